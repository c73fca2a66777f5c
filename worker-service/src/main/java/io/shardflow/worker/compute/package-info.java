@NullMarked
package io.shardflow.worker.compute;

import org.jspecify.annotations.NullMarked;
