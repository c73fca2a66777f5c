package io.shardflow.api.security;

import java.util.Collection;
import java.util.Map;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;

/** A {@link Caller} as Spring Security's bearer-token filter carries an introspected API key. */
public record CallerPrincipal(Caller caller) implements OAuth2AuthenticatedPrincipal {
    @Override
    public Map<String, Object> getAttributes() {
        return Map.of(
                "key_id", caller.id(),
                "name", caller.name(),
                "tenant", caller.keyTenant(),
                "roles", CallerAuthentication.roleNames(caller));
    }

    @Override
    public Collection<? extends GrantedAuthority> getAuthorities() {
        return CallerAuthentication.authorities(caller);
    }

    @Override
    public String getName() {
        return caller.name();
    }
}
