@NullMarked
package io.shardflow.db.jobs;

import org.jspecify.annotations.NullMarked;
