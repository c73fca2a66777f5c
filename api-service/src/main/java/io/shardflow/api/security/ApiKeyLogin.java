package io.shardflow.api.security;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

/** The dashboard's login: an OPERATOR or ADMIN key in the form's password field. */
class ApiKeyLogin implements AuthenticationProvider {
    private final ApiKeys keys;

    ApiKeyLogin(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public Authentication authenticate(Authentication login) {
        var key = String.valueOf(login.getCredentials()).strip();
        var caller =
                keys.authenticate(key).orElseThrow(() -> new BadCredentialsException("unknown or revoked API key"));
        if (!caller.has(Role.OPERATOR)) {
            throw new BadCredentialsException("the dashboard is for OPERATOR and ADMIN keys");
        }
        return new CallerAuthentication(caller);
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
