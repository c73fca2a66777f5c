@NullMarked
package io.shardflow.messaging;

import org.jspecify.annotations.NullMarked;
