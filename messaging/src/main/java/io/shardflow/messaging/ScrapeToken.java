package io.shardflow.messaging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/** The shared secret Prometheus scrapes {@code /actuator/prometheus} with ({@code shardflow.metrics.scrape-token}). */
public final class ScrapeToken {
    /** The one path the token opens. */
    public static final String PATH = "/actuator/prometheus";

    private static final String BEARER = "Bearer ";

    private final byte @Nullable [] token;

    public ScrapeToken(MetricsSettings settings) {
        String configured = settings.scrapeToken();
        this.token = configured == null || configured.isBlank() ? null : configured.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether a token is configured at all. */
    public boolean configured() {
        return token != null;
    }

    /** Whether this bearer token is the scrape token, compared in constant time. */
    public boolean matches(@Nullable String bearer) {
        return token != null && bearer != null && MessageDigest.isEqual(token, bearer.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether an {@code Authorization} header carries the scrape token. */
    public boolean authorizes(@Nullable String authorization) {
        return authorization != null
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                && matches(authorization.substring(BEARER.length()).trim());
    }
}
