@NullMarked
package io.shardflow.worker;

import org.jspecify.annotations.NullMarked;
