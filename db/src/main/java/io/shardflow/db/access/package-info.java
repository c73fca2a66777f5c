/** Access: API keys, intake bindings and the audit log. */
@NullMarked
package io.shardflow.db.access;

import org.jspecify.annotations.NullMarked;
