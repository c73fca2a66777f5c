package io.shardflow.api.security;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/**
 * The oidc mode: a JWT's caller, its tenant and roles taken from the claims {@code shardflow.security.oidc.*} names.
 * A token without a tenant is refused (401); role names the platform does not know are ignored.
 */
class JwtCallers implements Converter<Jwt, AbstractAuthenticationToken> {
    private final SecuritySettings.Oidc claims;

    JwtCallers(SecuritySettings.Oidc claims) {
        this.claims = claims;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        var tenant = jwt.getClaimAsString(claims.tenantClaim());
        if (tenant == null || !ApiKeys.TENANT.matcher(tenant).matches()) {
            throw new InvalidBearerTokenException(
                    "the token names no valid tenant in its '" + claims.tenantClaim() + "' claim");
        }
        var name = jwt.getClaimAsString(claims.nameClaim());
        var caller = Caller.of(
                "jwt:" + jwt.getSubject(), name == null ? String.valueOf(jwt.getSubject()) : name, tenant, roles(jwt));
        return new CallerAuthentication(caller);
    }

    private EnumSet<Role> roles(Jwt jwt) {
        var roles = EnumSet.noneOf(Role.class);
        Object value = jwt.getClaims().get(claims.rolesClaim());
        Iterable<?> names = value instanceof Collection<?> list
                ? list
                : value == null ? List.of() : List.of(String.valueOf(value).split("[ ,]+"));
        for (var name : names) {
            try {
                roles.add(Role.valueOf(String.valueOf(name).strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException unknown) {
                // an identity provider's other roles mean nothing here
            }
        }
        return roles;
    }
}
