@NullMarked
package io.shardflow.api.intake;

import org.jspecify.annotations.NullMarked;
