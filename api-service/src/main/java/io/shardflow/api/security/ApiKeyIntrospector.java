package io.shardflow.api.security;

import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/** Reads a bearer token as an API key: known and not revoked, or a 401. */
class ApiKeyIntrospector implements OpaqueTokenIntrospector {
    private final ApiKeys keys;

    ApiKeyIntrospector(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        return keys.authenticate(token)
                .map(CallerPrincipal::new)
                .orElseThrow(() -> new BadOpaqueTokenException("unknown or revoked API key"));
    }
}
