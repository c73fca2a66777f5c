package io.shardflow.api.security;

import java.util.EnumSet;
import java.util.Set;

/**
 * Who makes a request: the key (or identity) that authenticated it, its name, the tenant it acts for, and its roles.
 * The tenant is the key's own, unless an OPERATOR or ADMIN names another in {@code X-Tenant}; {@code keyTenant} keeps
 * the key's own, so an act on another tenant's behalf can be recorded as such.
 */
public record Caller(String id, String name, String tenant, String keyTenant, Set<Role> roles) {
    public Caller {
        roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public static Caller of(String id, String name, String tenant, Set<Role> roles) {
        return new Caller(id, name, tenant, tenant, roles);
    }

    public boolean has(Role role) {
        return roles.contains(role) || roles.contains(Role.ADMIN);
    }

    /** Operators and admins see every tenant's work; anyone else only its own tenant's. */
    public boolean sees(String resourceTenant) {
        return has(Role.OPERATOR) || resourceTenant.equals(tenant);
    }

    /** The same caller acting for {@code other}. */
    public Caller actingFor(String other) {
        return new Caller(id, name, other, keyTenant, roles);
    }

    public boolean onBehalf() {
        return !tenant.equals(keyTenant);
    }

    /** How the audit log and timelines name this caller: the key's name and id. */
    public String label() {
        return name + " (" + id + ")";
    }
}
