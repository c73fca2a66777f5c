@NullMarked
package io.shardflow.db.partials;

import org.jspecify.annotations.NullMarked;
