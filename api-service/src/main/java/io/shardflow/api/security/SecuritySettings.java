package io.shardflow.api.security;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the API ({@code shardflow.security.*}).
 *
 * @param enabled false turns authentication off: every call acts as an ADMIN of tenant {@code default} (for a laptop;
 *     logged as a warning at start)
 * @param mode how REST callers authenticate: {@code api-keys} (bearer API keys) or {@code oidc} (JWTs from an
 *     identity provider, configured with Spring Boot's {@code spring.security.oauth2.resourceserver.jwt.*})
 * @param bootstrapAdminKey an ADMIN key of tenant {@code default} that this service makes sure exists (from a secret
 *     store); the first one logs in and creates the others
 * @param adminKeyFile when no ADMIN key exists, create one and write it here (mode 600, the key alone on one line);
 *     the standalone sets it to {@code <data-dir>/admin-api-key}
 * @param keyCache how long a process trusts what it read of a key: a revocation takes effect everywhere within it
 * @param oidc how a JWT names its subject's tenant and roles
 */
@ConfigurationProperties("shardflow.security")
public record SecuritySettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("api-keys") Mode mode,
        @Nullable String bootstrapAdminKey,
        @Nullable Path adminKeyFile,
        @DefaultValue("1s") Duration keyCache,
        @DefaultValue Oidc oidc) {

    /** How REST callers authenticate. */
    public enum Mode {
        API_KEYS,
        OIDC
    }

    /**
     * Claims of a JWT in the oidc mode.
     *
     * @param tenantClaim the claim that holds the tenant
     * @param rolesClaim the claim that holds the roles (a list, or a string separated by spaces or commas); names
     *     outside SUBMITTER, OPERATOR and ADMIN are ignored
     * @param nameClaim the claim that names the caller in the audit log
     */
    public record Oidc(
            @DefaultValue("tenant") String tenantClaim,
            @DefaultValue("roles") String rolesClaim,
            @DefaultValue("sub") String nameClaim) {}
}
