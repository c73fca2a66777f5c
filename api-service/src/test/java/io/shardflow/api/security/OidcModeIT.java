package io.shardflow.api.security;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.shardflow.api.ApiITSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The oidc mode: the API as an OAuth2 resource server, trusting JWTs signed by the identity provider's key (here a
 * key made for the test, its public half in a PEM file; no network), tenant and roles taken from the claims.
 */
@TestPropertySource(properties = {"shardflow.security.mode=oidc", "shardflow.security.oidc.roles-claim=groups"})
class OidcModeIT extends ApiITSupport {
    private static final KeyPair PROVIDER = keyPair();
    private static final KeyPair STRANGER = keyPair();

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry registry) {
        registry.add("spring.security.oauth2.resourceserver.jwt.public-key-location", () -> "file:" + publicKey());
    }

    private static KeyPair keyPair() {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path publicKey() {
        try {
            var pem = "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes())
                            .encodeToString(PROVIDER.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
            var file = Files.createTempFile("provider", ".pem");
            Files.writeString(file, pem);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String token(KeyPair signer, JWTClaimsSet claims) throws Exception {
        var jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner((RSAPrivateKey) signer.getPrivate()));
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims(String tenant, String... groups) {
        var now = Instant.now();
        return new JWTClaimsSet.Builder()
                .subject("user-" + UUID.randomUUID())
                .claim("tenant", tenant)
                .claim("groups", List.of(groups))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
    }

    private static MockHttpServletRequestBuilder bearer(MockHttpServletRequestBuilder request, String token) {
        return request.header("Authorization", "Bearer " + token);
    }

    @Test
    void aSignedTokenActsForItsTenantWithItsRoles() throws Exception {
        var mine = token(
                PROVIDER, claims(tenant, "submitter", "people-of-the-provider").build());
        var theirs = token(
                PROVIDER, claims("other-" + UUID.randomUUID(), "SUBMITTER").build());
        var operator = token(PROVIDER, claims("ops", "OPERATOR").build());

        var id = json(mvc.perform(bearer(post("/api/v1/datasets").param("name", "p"), mine)
                                .contentType("text/csv")
                                .content("a\n1\n"))
                        .andExpect(status().isCreated())
                        .andReturn())
                .get("id")
                .asString();

        mvc.perform(bearer(get("/api/v1/datasets/" + id), mine)).andExpect(status().isOk());
        mvc.perform(bearer(get("/api/v1/datasets/" + id), theirs)).andExpect(status().isNotFound());
        mvc.perform(bearer(get("/api/v1/datasets/" + id), operator)).andExpect(status().isOk());
        mvc.perform(bearer(get("/api/v1/api-keys"), mine)).andExpect(status().isForbidden());
    }

    @Test
    void aTokenThatProvesNothingIsRefused() throws Exception {
        var forged = token(STRANGER, claims(tenant, "ADMIN").build());
        var expired = token(
                PROVIDER,
                claims(tenant, "SUBMITTER")
                        .expirationTime(Date.from(Instant.now().minusSeconds(600)))
                        .build());
        var tenantless = token(
                PROVIDER,
                new JWTClaimsSet.Builder()
                        .subject("someone")
                        .claim("groups", List.of("SUBMITTER"))
                        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                        .build());

        for (var token : List.of(forged, expired, tenantless, "not-a-jwt", keyFor(tenant, Role.ADMIN))) {
            mvc.perform(bearer(get("/api/v1/jobs"), token))
                    .andExpect(status().isUnauthorized())
                    .andExpect(header().string("WWW-Authenticate", Matchers.startsWith("Bearer")));
        }
        mvc.perform(bearer(get("/api/v1/jobs"), tenantless))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("tenant")));
    }
}
