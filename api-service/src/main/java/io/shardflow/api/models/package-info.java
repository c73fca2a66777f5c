@NullMarked
package io.shardflow.api.models;

import org.jspecify.annotations.NullMarked;
