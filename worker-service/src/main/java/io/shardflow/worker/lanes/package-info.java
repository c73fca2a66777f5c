@NullMarked
package io.shardflow.worker.lanes;

import org.jspecify.annotations.NullMarked;
