@NullMarked
package io.shardflow.db.shards;

import org.jspecify.annotations.NullMarked;
