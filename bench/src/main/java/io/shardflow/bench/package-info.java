@NullMarked
package io.shardflow.bench;

import org.jspecify.annotations.NullMarked;
