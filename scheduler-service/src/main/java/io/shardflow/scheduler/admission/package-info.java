/** Admission: which waiting shard runs next, and on which lane. */
@NullMarked
package io.shardflow.scheduler.admission;

import org.jspecify.annotations.NullMarked;
