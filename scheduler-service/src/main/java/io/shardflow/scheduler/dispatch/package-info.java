@NullMarked
package io.shardflow.scheduler.dispatch;

import org.jspecify.annotations.NullMarked;
