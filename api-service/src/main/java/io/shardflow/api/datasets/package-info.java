@NullMarked
package io.shardflow.api.datasets;

import org.jspecify.annotations.NullMarked;
