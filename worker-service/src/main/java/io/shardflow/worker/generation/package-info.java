@NullMarked
package io.shardflow.worker.generation;

import org.jspecify.annotations.NullMarked;
