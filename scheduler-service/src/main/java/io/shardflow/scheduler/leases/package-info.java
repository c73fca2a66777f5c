@NullMarked
package io.shardflow.scheduler.leases;

import org.jspecify.annotations.NullMarked;
