@NullMarked
package io.shardflow.core.generation;

import org.jspecify.annotations.NullMarked;
