@NullMarked
package io.shardflow.scheduler.coordination;

import org.jspecify.annotations.NullMarked;
