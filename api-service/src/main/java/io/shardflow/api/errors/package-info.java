@NullMarked
package io.shardflow.api.errors;

import org.jspecify.annotations.NullMarked;
