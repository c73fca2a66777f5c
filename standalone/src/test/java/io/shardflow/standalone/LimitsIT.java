package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.models.GptArchitecture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Every input over its limit is refused before anything of it is stored, with a problem that names the setting
 * ({@code limit}), its value ({@code max}) and what the request had ({@code value}): models judged by their
 * architecture (a 10^12-parameter linear model, a 96-layer gpt), uploads and JSON bodies stopped as they stream or
 * by their declared length without reading them, columns, line lengths, prompts, and a tenant's stored bytes across
 * datasets, models and results. The shared platform lowers two limits for this test ({@link #MAX_UPLOAD_BYTES}, and
 * {@link #QUOTA_BYTES} for the tenant {@code limits-quota} alone); the others are the defaults.
 */
class LimitsIT {
    static final long MAX_UPLOAD_BYTES = 16L << 20;
    static final long QUOTA_BYTES = 1L << 20;
    private static final long MAX_REQUEST_BYTES = 64L << 20;
    private static final long MAX_PARAMETERS = 100_000_000;
    private static final String LIMITS = "shardflow.api.limits.";

    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api admin = TestPlatform.api(platform);

    private static JsonNode assertLimit(Api.Response response, int status, String limit, long max, long value) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        var problem = response.json();
        assertThat(problem.get("limit").asString()).isEqualTo(limit);
        assertThat(problem.get("max").asLong()).isEqualTo(max);
        assertThat(problem.get("value").asLong()).isEqualTo(value);
        assertThat(problem.get("detail").asString()).contains(limit).contains(Long.toString(max));
        return problem;
    }

    private static long count(String sql, Object... args) {
        return platform.context()
                .getBean(JdbcClient.class)
                .sql(sql)
                .params(args)
                .query(Long.class)
                .single();
    }

    private static Map<String, Object> linear(long inputs, long outputs) {
        return Map.of("kind", "linear", "inputs", inputs, "outputs", outputs);
    }

    @Test
    void modelsAreJudgedByTheirArchitectureBeforeAnyParameterIsBuiltOrStored() {
        var api = admin.as("limits-models", "SUBMITTER");

        var trillion = api.postJson(
                "/api/v1/models",
                Map.of("name", "x", "architecture", linear(1_000_000, 1_000_000), "init", Map.of("seed", 1)));
        var problem = assertLimit(
                trillion, 413, LIMITS + "max-model-parameters", MAX_PARAMETERS, 1_000_000_000_000L + 1_000_000);
        assertThat(problem.get("field").asString()).isEqualTo("architecture");
        assertThat(problem.get("detail").asString()).contains("4000004000000 bytes");

        var huge = new GptArchitecture(96, 64, 8192, 8192);
        var gpt = Map.of("kind", "gpt", "layers", 96, "heads", 64, "dModel", 8192, "context", 8192);
        assertLimit(
                api.postJson("/api/v1/models", Map.of("name", "gpt", "architecture", gpt, "init", Map.of("seed", 1))),
                413,
                LIMITS + "max-model-parameters",
                MAX_PARAMETERS,
                huge.parameterCount());

        // explicit parameters are not even looked at: the architecture alone is over the limit
        assertLimit(
                api.postJson(
                        "/api/v1/models",
                        Map.of(
                                "name",
                                "explicit",
                                "architecture",
                                linear(20_000, 5_000),
                                "parameters",
                                Map.of("weight", List.of(List.of(1)), "bias", List.of(0)))),
                413,
                LIMITS + "max-model-parameters",
                MAX_PARAMETERS,
                20_000L * 5_000 + 5_000);

        // nor may a training job make such a model from a new architecture
        var training = new LinkedHashMap<String, Object>();
        training.put("type", "TRAINING");
        training.put("model", Map.of("architecture", gpt));
        training.put("dataset", Map.of("id", "00000000-0000-0000-0000-000000000001"));
        training.put("training", Map.of("steps", 1, "batchSize", 1, "learningRate", 0.1));
        var job = assertLimit(
                api.postJson("/api/v1/jobs", training),
                413,
                LIMITS + "max-model-parameters",
                MAX_PARAMETERS,
                huge.parameterCount());
        assertThat(job.get("field").asString()).isEqualTo("model.architecture");

        assertThat(count("select count(*) from models where tenant = 'limits-models'"))
                .isZero();
        assertThat(count("select count(*) from jobs where tenant = 'limits-models'"))
                .isZero();
    }

    @Test
    void uploadsAreStoppedAtTheirLimitsAsTheyStreamAndLeaveNothingBehind() {
        var api = admin.as("limits-uploads", "SUBMITTER");

        // a declared length over the limit is refused before a byte is read: the body is never sent
        var declared = rawPost(api, "/api/v1/datasets?name=declared&format=text", "text/plain", 2L << 30);
        assertLimit(declared, 413, LIMITS + "max-upload-bytes", MAX_UPLOAD_BYTES, 2L << 30);

        // a chunked upload is counted as it streams and refused at the first byte over
        var streamed =
                streamPost(api, "/api/v1/datasets?name=streamed&format=text", "text/plain", MAX_UPLOAD_BYTES + 65_536);
        assertLimit(streamed, 413, LIMITS + "max-upload-bytes", MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES + 1);

        var header = new StringBuilder();
        for (int c = 0; c < 1025; c++) {
            header.append(c == 0 ? "" : ",").append("c").append(c);
        }
        var wide = api.postCsv("/api/v1/datasets?name=wide", header + "\n" + "1,".repeat(1024) + "1\n");
        assertLimit(wide, 413, LIMITS + "max-dataset-columns", 1024, 1025);

        var longLine =
                api.postNdjson("/api/v1/datasets?name=long", "{\"a\":1}\n{\"a\":" + "1".repeat(1_100_000) + "}\n");
        var line = assertLimit(longLine, 413, LIMITS + "max-dataset-line-length", 1_048_576, 1_048_577);
        assertThat(line.get("detail").asString()).contains("line 2");

        assertThat(count("select count(*) from datasets where tenant = 'limits-uploads'"))
                .isZero();
        assertThat(api.get("/api/v1/datasets").json().size()).isZero();
    }

    @Test
    void jsonBodiesOverTheRequestLimitAreRefusedByLengthOrAsTheyStream() {
        var api = admin.as("limits-bodies", "SUBMITTER");

        var declared = rawPost(api, "/api/v1/jobs", "application/json", 100L << 20);
        assertLimit(declared, 413, LIMITS + "max-request-bytes", MAX_REQUEST_BYTES, 100L << 20);

        // whitespace Jackson skips without keeping: the limit, not the parser, stops this body
        var streamed = streamPost(api, "/api/v1/models", "application/json", MAX_REQUEST_BYTES + (1 << 20));
        assertLimit(streamed, 413, LIMITS + "max-request-bytes", MAX_REQUEST_BYTES, MAX_REQUEST_BYTES + 1);

        assertThat(count("select count(*) from models where tenant = 'limits-bodies'"))
                .isZero();
    }

    @Test
    void aGenerationJobMayHaveAtMostTheLimitsPrompts() {
        var api = admin.as("limits-prompts", "SUBMITTER");
        String model = created(api.postJson(
                "/api/v1/models",
                Map.of("name", "tiny", "architecture", GenerationIT.gpt(1, 1, 8, 16), "init", Map.of("seed", 2))));
        String atLimit = created(api.postText("/api/v1/datasets?name=ten-thousand&format=text", "p\n".repeat(10_000)));
        String overLimit = created(api.postText("/api/v1/datasets?name=one-more&format=text", "p\n".repeat(10_001)));

        var refused = assertLimit(
                api.postJson("/api/v1/jobs", generation(model, overLimit)),
                413,
                LIMITS + "max-prompts",
                10_000,
                10_001);
        assertThat(refused.get("field").asString()).isEqualTo("dataset.id");
        assertThat(api.postJson("/api/v1/jobs:plan", generation(model, atLimit)).status())
                .isEqualTo(200);
        assertThat(count("select count(*) from jobs where tenant = 'limits-prompts'"))
                .isZero();
    }

    private static Map<String, Object> generation(String model, String dataset) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", model));
        job.put("dataset", Map.of("id", dataset));
        job.put("generation", Map.of("maxTokens", 2));
        return job;
    }

    @Test
    void aTenantsStoredBytesAreCappedAcrossDatasetsModelsAndResults() {
        var api = admin.as("limits-quota", "SUBMITTER");
        String limit = LIMITS + "tenant-storage-overrides[limits-quota]";
        var columns = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");

        // 8000 rows x 10 float32 columns, and a 10 -> 300 linear model: 320,000 + 13,200 bytes
        String dataset = created(api.postCsv(
                "/api/v1/datasets?name=kept",
                Fixtures.randomTable(5, 8000, columns).csv()));
        String model = created(api.postJson(
                "/api/v1/models", Map.of("name", "kept", "architecture", linear(10, 300), "init", Map.of("seed", 3))));
        long used = 320_000 + 13_200;

        // a streamed upload that would store 1,200,000 bytes more is stopped at the chunk that passes the limit
        var upload = streamCsv(api, "/api/v1/datasets?name=too-much", columns, 30_000);
        var problem = assertLimit(upload, 413, limit, QUOTA_BYTES, used + 5L * 4096 * 10 * 4);
        assertThat(problem.get("used").asLong()).isEqualTo(used);

        var big = api.postJson(
                "/api/v1/models",
                Map.of("name", "too-big", "architecture", linear(500, 500), "init", Map.of("seed", 4)));
        assertThat(assertLimit(big, 413, limit, QUOTA_BYTES, used + 250_500 * 4)
                        .get("used")
                        .asLong())
                .isEqualTo(used);

        // the results of a job count too: 8000 rows of 300 float32 outputs would not fit, one row does
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", model));
        job.put("dataset", Map.of("id", dataset, "features", columns));
        var result = assertLimit(api.postJson("/api/v1/jobs", job), 413, limit, QUOTA_BYTES, used + 8000L * 300 * 4);
        assertThat(result.get("field").asString()).isEqualTo("result");
        var small = new LinkedHashMap<String, Object>();
        small.put("type", "INFERENCE");
        small.put("model", Map.of("id", model));
        small.put("input", Map.of("rows", List.of(new float[10])));
        created(api.postJson("/api/v1/jobs", small));

        assertThat(count("select count(*) from datasets where tenant = 'limits-quota'"))
                .isOne();
        assertThat(count("select count(*) from models where tenant = 'limits-quota'"))
                .isOne();
        assertThat(count("select count(*) from jobs where tenant = 'limits-quota'"))
                .isOne();
    }

    /** A CSV of {@code rows} rows sent chunked, without a length, as a pipeline streams a file. */
    private static Api.Response streamCsv(Api api, String path, List<String> columns, int rows) {
        var csv = new StringBuilder(String.join(",", columns)).append('\n');
        String row = "0.5,".repeat(columns.size() - 1) + "0.5\n";
        csv.append(row.repeat(rows));
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        return send(api, path, "text/csv", () -> new java.io.ByteArrayInputStream(bytes));
    }

    /** {@code length} bytes sent chunked: a JSON object's opening brace, then spaces. */
    private static Api.Response streamPost(Api api, String path, String contentType, long length) {
        return send(api, path, contentType, () -> new InputStream() {
            private long sent;

            @Override
            public int read() {
                return sent < length ? (sent++ == 0 ? '{' : ' ') : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int count) {
                if (sent >= length) {
                    return -1;
                }
                int n = (int) Math.min(count, length - sent);
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = (byte) (sent + i == 0 ? '{' : ' ');
                }
                sent += n;
                return n;
            }
        });
    }

    private static Api.Response send(Api api, String path, String contentType, Supplier<InputStream> body) {
        var request = HttpRequest.newBuilder(URI.create(api.base() + path))
                .header("Authorization", "Bearer " + api.key())
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofInputStream(body))
                .build();
        return Api.send(request);
    }

    /**
     * A request that declares a {@code Content-Length} of {@code declared} bytes and sends none of them: a server
     * that tried to read the body would wait until the socket's timeout fails the test.
     */
    private static Api.Response rawPost(Api api, String path, String contentType, long declared) {
        var base = URI.create(api.base());
        try (var socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer "
                    + api.key() + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + declared
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return parse(readResponse(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The response's bytes up to its end: the server closes the connection, or the last chunk arrives. */
    private static byte[] readResponse(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        var buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
            String text = out.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0
                    && text.substring(0, end).toLowerCase().contains("transfer-encoding: chunked")
                    && text.endsWith("\r\n0\r\n\r\n")) {
                break;
            }
        }
        return out.toByteArray();
    }

    private static Api.Response parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        var lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        var headers = new LinkedHashMap<String, List<String>>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        String body = text.substring(end + 4);
        if (headers.getOrDefault("transfer-encoding", List.of()).contains("chunked")) {
            var joined = new StringBuilder();
            int at = 0;
            while (true) {
                int lineEnd = body.indexOf("\r\n", at);
                int size = Integer.parseInt(body.substring(at, lineEnd).strip(), 16);
                if (size == 0) {
                    break;
                }
                joined.append(body, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
            body = joined.toString();
        }
        String contentType = headers.getOrDefault("content-type", List.of("")).getFirst();
        return new Api.Response(
                status,
                contentType,
                new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8),
                headers);
    }
}
