@NullMarked
package io.shardflow.db.jdbc;

import org.jspecify.annotations.NullMarked;
