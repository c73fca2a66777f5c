@NullMarked
package io.shardflow.db.workers;

import org.jspecify.annotations.NullMarked;
