package io.shardflow.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret of an API key: {@code sfk_} and 256 random bits in base64url, shown once. Only its SHA-256 is stored: a
 * key is as hard to guess as the random bits, so a slow password hash would add cost to every request and no safety.
 */
public final class ApiKeySecrets {
    static final String PREFIX = "sfk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeySecrets() {}

    public static String generate() {
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
