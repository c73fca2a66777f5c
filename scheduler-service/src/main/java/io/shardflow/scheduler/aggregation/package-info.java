@NullMarked
package io.shardflow.scheduler.aggregation;

import org.jspecify.annotations.NullMarked;
