@NullMarked
package io.shardflow.core.shards;

import org.jspecify.annotations.NullMarked;
