package io.shardflow.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the REST API, as a business app would use it: every call with its API key. */
final class Api {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final @Nullable String key;

    Api(String base, @Nullable String key) {
        this.base = base;
        this.key = key;
    }

    @Nullable
    String key() {
        return key;
    }

    /** The same API with another key. */
    Api withKey(@Nullable String other) {
        return new Api(base, other);
    }

    /** The same API as a new key of {@code tenant} with {@code roles}, which this one's (an ADMIN's) creates. */
    Api as(String tenant, String... roles) {
        var created = postJson(
                "/api/v1/api-keys", Map.of("name", "test " + tenant, "tenant", tenant, "roles", List.of(roles)));
        if (created.status() != 201) {
            throw new IllegalStateException("could not create a key: " + created.text());
        }
        return withKey(created.json().get("key").asString());
    }

    private HttpRequest.Builder request(String path) {
        var builder = HttpRequest.newBuilder(URI.create(base + path));
        return key == null ? builder : builder.header("Authorization", "Bearer " + key);
    }

    record Response(int status, String contentType, String text, Map<String, List<String>> headers) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (JacksonException e) {
                throw new IllegalStateException(
                        "not one JSON document (status " + status + ", " + contentType + "): " + text, e);
            }
        }

        String header(String name) {
            var values = headers.get(name.toLowerCase());
            return values == null ? null : values.getFirst();
        }
    }

    String base() {
        return base;
    }

    Response get(String path) {
        return send(request(path).GET().build());
    }

    Response get(String path, String accept) {
        return send(request(path).header("Accept", accept).GET().build());
    }

    Response postJson(String path, Object body, String... headers) {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        var builder = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(text));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return send(builder.build());
    }

    /** A request with any method and a JSON body: PUT, say. */
    Response send(String method, String path, Object body) {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return send(request(path)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(text))
                .build());
    }

    Response postCsv(String path, String csv) {
        return send(request(path)
                .header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv))
                .build());
    }

    Response postNdjson(String path, String lines) {
        return send(request(path)
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(lines))
                .build());
    }

    Response postText(String path, String text) {
        return send(request(path)
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(text))
                .build());
    }

    Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    Response post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** Sends a request built by hand (a raw body, odd headers) with the shared client. */
    static Response send(HttpRequest request) {
        try {
            var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(
                    response.statusCode(),
                    response.headers().firstValue("content-type").orElse(""),
                    response.body(),
                    response.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
