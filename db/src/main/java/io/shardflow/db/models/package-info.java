@NullMarked
package io.shardflow.db.models;

import org.jspecify.annotations.NullMarked;
