@NullMarked
package io.shardflow.api;

import org.jspecify.annotations.NullMarked;
