@NullMarked
package io.shardflow.core.training;

import org.jspecify.annotations.NullMarked;
