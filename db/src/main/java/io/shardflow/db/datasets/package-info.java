@NullMarked
package io.shardflow.db.datasets;

import org.jspecify.annotations.NullMarked;
