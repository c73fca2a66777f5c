/** Worker lanes and the slots of the task topic they hold. */
@NullMarked
package io.shardflow.db.lanes;

import org.jspecify.annotations.NullMarked;
