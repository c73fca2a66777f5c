@NullMarked
package io.shardflow.launcher;

import org.jspecify.annotations.NullMarked;
