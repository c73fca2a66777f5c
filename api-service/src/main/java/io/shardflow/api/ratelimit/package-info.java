/** Per-caller request rates on the REST API: a token bucket per API key, refused calls answered 429. */
@NullMarked
package io.shardflow.api.ratelimit;

import org.jspecify.annotations.NullMarked;
