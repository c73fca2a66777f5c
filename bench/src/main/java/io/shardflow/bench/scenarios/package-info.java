@NullMarked
package io.shardflow.bench.scenarios;

import org.jspecify.annotations.NullMarked;
