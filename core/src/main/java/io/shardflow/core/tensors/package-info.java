@NullMarked
package io.shardflow.core.tensors;

import org.jspecify.annotations.NullMarked;
