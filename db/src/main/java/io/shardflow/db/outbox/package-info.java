@NullMarked
package io.shardflow.db.outbox;

import org.jspecify.annotations.NullMarked;
