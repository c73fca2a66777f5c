@NullMarked
package io.shardflow.db;

import org.jspecify.annotations.NullMarked;
