@NullMarked
package io.shardflow.core;

import org.jspecify.annotations.NullMarked;
