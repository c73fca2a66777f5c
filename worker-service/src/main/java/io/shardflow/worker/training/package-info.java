@NullMarked
package io.shardflow.worker.training;

import org.jspecify.annotations.NullMarked;
