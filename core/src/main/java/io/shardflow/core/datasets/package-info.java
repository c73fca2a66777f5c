@NullMarked
package io.shardflow.core.datasets;

import org.jspecify.annotations.NullMarked;
