/** Tenants' quotas: lanes at once, jobs not yet ended, bytes stored, and weights in the fair share. */
@NullMarked
package io.shardflow.db.quotas;

import org.jspecify.annotations.NullMarked;
