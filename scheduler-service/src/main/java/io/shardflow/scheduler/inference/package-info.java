@NullMarked
package io.shardflow.scheduler.inference;

import org.jspecify.annotations.NullMarked;
