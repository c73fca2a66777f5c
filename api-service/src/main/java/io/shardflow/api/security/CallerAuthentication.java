package io.shardflow.api.security;

import java.util.Collection;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** An authenticated {@link Caller}, however it proved who it is (API key, dashboard login, JWT). */
public final class CallerAuthentication extends AbstractAuthenticationToken {
    private final Caller caller;

    public CallerAuthentication(Caller caller) {
        super(authorities(caller));
        this.caller = caller;
        setAuthenticated(true);
    }

    static Collection<GrantedAuthority> authorities(Caller caller) {
        return caller.roles().stream()
                .map(role -> (GrantedAuthority) new SimpleGrantedAuthority(role.authority()))
                .toList();
    }

    @Override
    public Caller getPrincipal() {
        return caller;
    }

    /** Never the secret: it was checked and is not kept. */
    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public String getName() {
        return caller.name();
    }

    static List<String> roleNames(Caller caller) {
        return caller.roles().stream().map(Role::name).toList();
    }
}
