package io.shardflow.api.security;

/**
 * What a caller may do. {@code ADMIN} includes both others (Spring Security's role hierarchy says so once, in
 * {@link SecurityConfiguration}).
 */
public enum Role {
    /** Its own tenant's datasets, models and jobs: submit, read, cancel, retry, predict and generate. */
    SUBMITTER,
    /** Every tenant's work: read, cancel, retry, reprioritise, dead letters, the dashboard. */
    OPERATOR,
    /** Everything, plus API keys, intake bindings, the audit log and the actuator beyond health. */
    ADMIN;

    /** The authority Spring Security checks for this role. */
    public String authority() {
        return "ROLE_" + name();
    }
}
