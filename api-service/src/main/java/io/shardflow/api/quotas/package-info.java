/**
 * Tenants' quotas: read and set over {@code /api/v1/tenants/{tenant}/quota} (ADMIN), each with the tenant's use now,
 * and the cap on jobs not yet ended that every submission passes through.
 */
@NullMarked
package io.shardflow.api.quotas;

import org.jspecify.annotations.NullMarked;
