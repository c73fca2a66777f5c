@NullMarked
package io.shardflow.core.models;

import org.jspecify.annotations.NullMarked;
