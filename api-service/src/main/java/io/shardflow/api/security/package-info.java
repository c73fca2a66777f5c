/**
 * Who may do what: API keys (or JWTs in the oidc mode) for the REST API, a login for the dashboard, roles, the
 * caller's tenant, and the audit log of what operators did.
 */
@NullMarked
package io.shardflow.api.security;

import org.jspecify.annotations.NullMarked;
