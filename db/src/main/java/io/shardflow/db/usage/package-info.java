@NullMarked
package io.shardflow.db.usage;

import org.jspecify.annotations.NullMarked;
