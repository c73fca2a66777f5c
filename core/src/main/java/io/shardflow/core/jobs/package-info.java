@NullMarked
package io.shardflow.core.jobs;

import org.jspecify.annotations.NullMarked;
