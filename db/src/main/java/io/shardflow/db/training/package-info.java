@NullMarked
package io.shardflow.db.training;

import org.jspecify.annotations.NullMarked;
