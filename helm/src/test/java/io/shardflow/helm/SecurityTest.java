package io.shardflow.helm;

import static io.shardflow.helm.Pods.env;
import static io.shardflow.helm.Pods.envValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may call the API: its security settings, the bootstrap ADMIN key it reads from the Secret, and the two modes.
 * The scheduler and the workers authenticate no callers and get none of it.
 */
class SecurityTest {

    private static final String ENABLED = "SHARDFLOW_SECURITY_ENABLED";
    private static final String MODE = "SHARDFLOW_SECURITY_MODE";
    private static final String BOOTSTRAP_KEY = "SHARDFLOW_SECURITY_BOOTSTRAP_ADMIN_KEY";
    private static final String ISSUER_URI = "SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI";
    private static final String JWK_SET_URI = "SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI";
    private static final String TENANT_CLAIM = "SHARDFLOW_SECURITY_OIDC_TENANT_CLAIM";
    private static final String ROLES_CLAIM = "SHARDFLOW_SECURITY_OIDC_ROLES_CLAIM";
    private static final String NAME_CLAIM = "SHARDFLOW_SECURITY_OIDC_NAME_CLAIM";

    private static final String KEY = ValueSets.ADMIN_KEY;

    @Test
    void byDefaultTheApiWantsApiKeysAndMayFindABootstrapKeyInTheSecret() {
        var rendered = ValueSets.rendered(ValueSets.DEFAULTS);
        var api = rendered.container("api");

        assertThat(envValue(api, ENABLED)).isEqualTo("true");
        assertThat(envValue(api, MODE)).isEqualTo("api-keys");
        assertOptionalSecretRef(api, "demo-shardflow", "admin-api-key");
        // no key given, none stored: the optional reference lets the API start all the same
        assertThat(rendered.named(Secret.class, "demo-shardflow").orElseThrow().getStringData())
                .doesNotContainKey("admin-api-key");
        assertThat(api.getEnv())
                .extracting(EnvVar::getName)
                .noneMatch(name -> name.startsWith("SPRING_SECURITY_") || name.startsWith("SHARDFLOW_SECURITY_OIDC_"));
    }

    @Test
    void theBootstrapKeyIsStoredInTheChartsSecretAndOnlyThere() {
        var rendered =
                Chart.withDefaults().set("security.bootstrapAdminKey", KEY).render();

        assertThat(rendered.named(Secret.class, "demo-shardflow").orElseThrow().getStringData())
                .containsEntry("admin-api-key", KEY);
        assertOptionalSecretRef(rendered.container("api"), "demo-shardflow", "admin-api-key");
        assertThat(rendered.text().split(KEY, -1)).as("places the key appears").hasSize(2);
    }

    @Test
    void theKeysNameInTheSecretFollowsSecretKeys() {
        var rendered = Chart.withDefaults()
                .set("security.bootstrapAdminKey", KEY)
                .set("secretKeys.adminApiKey", "shardflow-admin")
                .render();

        assertThat(rendered.named(Secret.class, "demo-shardflow").orElseThrow().getStringData())
                .containsEntry("shardflow-admin", KEY)
                .doesNotContainKey("admin-api-key");
        assertOptionalSecretRef(rendered.container("api"), "demo-shardflow", "shardflow-admin");
    }

    @Test
    void anExistingSecretSuppliesTheKeyUnderItsName() {
        assertOptionalSecretRef(
                ValueSets.rendered(ValueSets.EXISTING_SECRET).container("api"), ValueSets.OWN_SECRET, "admin-api-key");

        var renamed = Chart.withDefaults()
                .set("existingSecret", "vault-synced")
                .set("secretKeys.adminApiKey", "shardflow-admin-key")
                .set("security.bootstrapAdminKey", KEY)
                .render();
        assertOptionalSecretRef(renamed.container("api"), "vault-synced", "shardflow-admin-key");
        // the value is ignored: the chart writes no Secret of its own
        assertThat(renamed.all(Secret.class)).isEmpty();
        assertThat(renamed.text()).doesNotContain(KEY);
    }

    @Test
    void aNewBootstrapKeyRestartsTheApi() {
        var before = Chart.withDefaults().render();
        var after = Chart.withDefaults().set("security.bootstrapAdminKey", KEY).render();

        assertThat(checksum(after, "api")).isNotNull().isNotEqualTo(checksum(before, "api"));
    }

    private static String checksum(Rendered rendered, String component) {
        return rendered.deployment(component)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("checksum/secret");
    }

    @Test
    void securityCanBeTurnedOff() {
        var api = Chart.withDefaults().set("security.enabled", false).render().container("api");

        assertThat(envValue(api, ENABLED)).isEqualTo("false");
    }

    @Test
    void oidcModeNamesTheIssuerAndTheDefaultClaims() {
        var rendered = ValueSets.rendered(ValueSets.OIDC);
        var api = rendered.container("api");

        assertThat(envValue(api, ENABLED)).isEqualTo("true");
        assertThat(envValue(api, MODE)).isEqualTo("oidc");
        assertThat(envValue(api, ISSUER_URI)).isEqualTo(ValueSets.ISSUER);
        // Spring would take an empty URI as set
        assertThat(env(api, JWK_SET_URI)).isEmpty();
        assertThat(envValue(api, TENANT_CLAIM)).isEqualTo("tenant");
        assertThat(envValue(api, ROLES_CLAIM)).isEqualTo("roles");
        assertThat(envValue(api, NAME_CLAIM)).isEqualTo("sub");
        // the dashboard still signs in with API keys
        assertOptionalSecretRef(api, "demo-shardflow", "admin-api-key");
        assertThat(rendered.named(Secret.class, "demo-shardflow").orElseThrow().getStringData())
                .containsEntry("admin-api-key", KEY);
    }

    @Test
    void oidcModeTakesAJwkSetUriAndClaimsOfTheProvider() {
        var api = Chart.withDefaults()
                .set("security.mode", "oidc")
                .set("security.oidc.jwkSetUri", "https://idp.example.com/keys")
                .set("security.oidc.tenantClaim", "org")
                .set("security.oidc.rolesClaim", "groups")
                .set("security.oidc.nameClaim", "email")
                .render()
                .container("api");

        assertThat(envValue(api, JWK_SET_URI)).isEqualTo("https://idp.example.com/keys");
        assertThat(env(api, ISSUER_URI)).isEmpty();
        assertThat(envValue(api, TENANT_CLAIM)).isEqualTo("org");
        assertThat(envValue(api, ROLES_CLAIM)).isEqualTo("groups");
        assertThat(envValue(api, NAME_CLAIM)).isEqualTo("email");
    }

    @Test
    void oidcValuesAreIgnoredInApiKeysMode() {
        var api = Chart.withDefaults()
                .set("security.oidc.issuerUri", ValueSets.ISSUER)
                .render()
                .container("api");

        assertThat(envValue(api, MODE)).isEqualTo("api-keys");
        assertThat(env(api, ISSUER_URI)).isEmpty();
        assertThat(env(api, TENANT_CLAIM)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.shardflow.helm.ValueSets#names")
    void onlyTheApiGetsSecuritySettings(String set) {
        var rendered = ValueSets.rendered(set);

        assertThat(env(rendered.container("api"), ENABLED)).isPresent();
        assertThat(env(rendered.container("api"), BOOTSTRAP_KEY)).isPresent();
        for (var component : new String[] {"scheduler", "worker"}) {
            assertThat(rendered.container(component).getEnv())
                    .as("%s's environment", component)
                    .allSatisfy(variable -> {
                        assertThat(variable.getName()).doesNotStartWith("SHARDFLOW_SECURITY_");
                        assertThat(variable.getName()).doesNotStartWith("SPRING_SECURITY_");
                        if (variable.getValueFrom() != null
                                && variable.getValueFrom().getSecretKeyRef() != null) {
                            assertThat(variable.getValueFrom().getSecretKeyRef().getKey())
                                    .isNotEqualTo("admin-api-key");
                        }
                    });
        }
    }

    @Test
    void theNotesSayHowToSignInAndHowToReadTheKeyBack() {
        var notes = Chart.withDefaults().set("security.bootstrapAdminKey", KEY).installOutput();

        assertThat(notes)
                .contains("port-forward service/demo-shardflow-api 8080:8080")
                .contains("/login with an API key of role OPERATOR or ADMIN")
                .contains("\"Authorization: Bearer <key>\"")
                .contains("kubectl --namespace shardflow get secret demo-shardflow"
                        + " -o jsonpath='{.data.admin-api-key}' | base64 -d")
                .doesNotContain(KEY)
                .doesNotContain("WARNING: security");
    }

    @Test
    void theNotesReadTheKeyFromAnExistingSecretUnderItsName() {
        var notes = Chart.withDefaults()
                .set("existingSecret", ValueSets.OWN_SECRET)
                .set("secretKeys.adminApiKey", "shardflow-admin")
                .installOutput();

        assertThat(notes)
                .contains("get secret shardflow-credentials -o jsonpath='{.data.shardflow-admin}' | base64 -d")
                .doesNotContain("WARNING: security");
    }

    @Test
    void theNotesWarnWhenTheApiHasNoKeyToStartFrom() {
        var notes = Chart.withDefaults().installOutput();

        assertThat(notes)
                .contains("WARNING: security.bootstrapAdminKey is empty")
                .contains("--set security.bootstrapAdminKey=\"$(openssl rand -base64 32)\"")
                .doesNotContain("jsonpath");
    }

    @Test
    void theNotesWarnWhenSecurityIsOff() {
        var notes = Chart.withDefaults().set("security.enabled", false).installOutput();

        assertThat(notes)
                .contains("WARNING: security.enabled is false")
                .contains("Anyone who reaches the API's port can do anything")
                .doesNotContain("/login");
    }

    @Test
    void theNotesOfOidcModeNameTheProviderAndTheClaims() {
        var notes = Chart.withDefaults()
                .set("security.mode", "oidc")
                .set("security.oidc.issuerUri", ValueSets.ISSUER)
                .set("security.bootstrapAdminKey", KEY)
                .installOutput();

        assertThat(notes)
                .contains("/login with an API key of role OPERATOR or ADMIN")
                .contains("a JWT from " + ValueSets.ISSUER)
                .contains("claim tenant: tenant, roles: roles, sub: caller")
                .contains("jsonpath='{.data.admin-api-key}'");
    }

    /** The API reads the bootstrap key from this Secret's key, and starts even when the key is not there. */
    private static void assertOptionalSecretRef(Container api, String secret, String key) {
        var variable =
                env(api, BOOTSTRAP_KEY).orElseThrow(() -> new AssertionError("the API does not set " + BOOTSTRAP_KEY));
        assertThat(variable.getValue()).isNull();
        var reference = variable.getValueFrom().getSecretKeyRef();
        assertThat(reference.getName()).isEqualTo(secret);
        assertThat(reference.getKey()).isEqualTo(key);
        assertThat(reference.getOptional()).isTrue();
    }
}
