@NullMarked
package io.shardflow.core.planning;

import org.jspecify.annotations.NullMarked;
