/**
 * How the API reads JSON bodies (limits on their size and shape, unknown fields refused) and how a body that could
 * not be read is told to the client: a field and a plain reason, never a class name.
 */
@NullMarked
package io.shardflow.api.json;

import org.jspecify.annotations.NullMarked;
