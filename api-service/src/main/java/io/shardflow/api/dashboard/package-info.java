@NullMarked
package io.shardflow.api.dashboard;

import org.jspecify.annotations.NullMarked;
