@NullMarked
package io.shardflow.scheduler.training;

import org.jspecify.annotations.NullMarked;
