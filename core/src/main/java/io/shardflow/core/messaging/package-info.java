@NullMarked
package io.shardflow.core.messaging;

import org.jspecify.annotations.NullMarked;
