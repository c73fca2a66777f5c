@NullMarked
package io.shardflow.scheduler.planning;

import org.jspecify.annotations.NullMarked;
