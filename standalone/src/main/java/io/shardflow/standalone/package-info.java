@NullMarked
package io.shardflow.standalone;

import org.jspecify.annotations.NullMarked;
