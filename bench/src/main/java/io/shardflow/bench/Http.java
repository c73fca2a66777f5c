package io.shardflow.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A keep-alive JSON client for the REST API, shared by a scenario's threads. */
public final class Http {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final @Nullable String key;

    /** A client that sends {@code key} as its bearer API key (none when null: health only). */
    public Http(String base, @Nullable String key) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.key = key;
    }

    private HttpRequest.Builder request(String path) {
        var builder = HttpRequest.newBuilder(URI.create(base + path));
        return key == null ? builder : builder.header("Authorization", "Bearer " + key);
    }

    /** A status and its JSON body; an empty body reads as JSON {@code null}. */
    public record Response(int status, JsonNode body) {}

    /** The API's base URL, without a trailing slash. */
    public String base() {
        return base;
    }

    public Response get(String path) {
        return send(request(path).timeout(Duration.ofMinutes(5)).GET().build());
    }

    public Response post(String path, Object body) {
        return send(request(path)
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
    }

    public Response put(String path, Object body) {
        return send(request(path)
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
    }

    public Response delete(String path) {
        return send(request(path).timeout(Duration.ofMinutes(5)).DELETE().build());
    }

    /** Like {@link #post}, giving up after {@code timeout}: an IllegalStateException caused by an HttpTimeoutException. */
    public Response post(String path, Object body, Duration timeout) {
        return send(request(path)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
    }

    /**
     * Polls job {@code id} every {@code pollMillis} until it has SUCCEEDED and returns it; a job that fails, is
     * cancelled or takes over ten minutes ends the measurement with its reason.
     */
    public JsonNode awaitJob(String id, long pollMillis) throws InterruptedException {
        long started = System.nanoTime();
        while (true) {
            JsonNode job = get("/api/v1/jobs/" + id).body();
            String status = job.get("status").asString();
            if ("SUCCEEDED".equals(status)) {
                return job;
            }
            if ("FAILED".equals(status) || "CANCELLED".equals(status)) {
                throw new IllegalStateException("job " + id + " ended " + status + ": " + job.get("error"));
            }
            if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
                throw new IllegalStateException("job " + id + " did not finish in 10 minutes: " + job);
            }
            Thread.sleep(pollMillis);
        }
    }

    /** Uploads a CSV dataset body; fails unless the status is 2xx. */
    public JsonNode postCsv(String path, String csv) {
        var response = send(request(path)
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv))
                .build());
        if (response.status() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + response.status() + ": " + response.body());
        }
        return response.body();
    }

    /** Like {@link #post} but fails unless the status is 2xx. */
    public JsonNode ok(String path, Object body) {
        return ok(path, post(path, body));
    }

    /** Posts a body of another type as it is (a CSV dataset, say); fails unless the status is 2xx. */
    public JsonNode ok(String path, String contentType, String body) {
        return ok(
                path,
                send(request(path)
                        .timeout(Duration.ofMinutes(5))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build()));
    }

    private static JsonNode ok(String path, Response response) {
        if (response.status() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + response.status() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * Posts a body read from a fresh stream (an upload too large to hold: the publisher reads it as it sends) and
     * fails unless the status is 2xx.
     */
    public JsonNode upload(String path, String contentType, Supplier<InputStream> body) {
        var response = send(request(path)
                .timeout(Duration.ofMinutes(30))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofInputStream(body))
                .build());
        if (response.status() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + response.status() + ": " + response.body());
        }
        return response.body();
    }

    private Response send(HttpRequest request) {
        try {
            var response = client.send(request, HttpResponse.BodyHandlers.ofString());
            var text = response.body();
            return new Response(response.statusCode(), text.isEmpty() ? JSON.nullNode() : JSON.readTree(text));
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
