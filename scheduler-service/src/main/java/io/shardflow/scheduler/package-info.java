@NullMarked
package io.shardflow.scheduler;

import org.jspecify.annotations.NullMarked;
