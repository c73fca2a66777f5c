@NullMarked
package io.shardflow.db.events;

import org.jspecify.annotations.NullMarked;
