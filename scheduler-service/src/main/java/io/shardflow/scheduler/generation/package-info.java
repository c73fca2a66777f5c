@NullMarked
package io.shardflow.scheduler.generation;

import org.jspecify.annotations.NullMarked;
