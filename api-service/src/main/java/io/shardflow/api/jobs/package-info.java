@NullMarked
package io.shardflow.api.jobs;

import org.jspecify.annotations.NullMarked;
