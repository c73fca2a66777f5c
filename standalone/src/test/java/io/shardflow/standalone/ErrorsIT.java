package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every error the API answers, whichever layer answers it (Tomcat before the application sees the request, the
 * servlet container's error page, Spring Security's firewall, Spring MVC, the JSON reader, the controllers), is
 * {@code application/problem+json}; bad input names its field; nothing of Java or the libraries shows.
 */
class ErrorsIT {
    /** Words that mean a Java class, a library's setting or an exception reached the client. */
    private static final List<String> INTERNALS =
            List.of("io.shardflow", "tools.jackson", "com.fasterxml", "java.", "Exception", "JsonReadFeature", "<html");

    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    private static void assertProblem(Api.Response response, int status, String field) {
        assertClean(response);
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        var problem = response.json();
        assertThat(problem.get("field").asString()).isEqualTo(field);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo(field);
        assertThat(problem.get("detail").asString()).startsWith(field + ": ");
    }

    /** An error, as problem+json, whose status is the response's, and without a word of the internals. */
    private static void assertClean(Api.Response response) {
        assertThat(response.status()).as(response.text()).isBetween(400, 599);
        assertThat(response.contentType()).as(response.text()).startsWith("application/problem+json");
        assertThat(response.json().get("status").asInt()).isEqualTo(response.status());
        for (String internal : INTERNALS) {
            assertThat(response.text()).doesNotContain(internal);
        }
    }

    private String detail(Api.Response response) {
        return response.json().get("detail").asString();
    }

    private Api.Response send(String method, String path, String contentType, String body, String... headers) {
        var builder = HttpRequest.newBuilder(URI.create(api.base() + path))
                .header("Authorization", "Bearer " + api.key())
                .header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return Api.send(builder.build());
    }

    /** A request written by hand on a socket: for what an HTTP client refuses to send. */
    private Api.Response raw(String requestLine, String... headerLines) {
        var uri = URI.create(api.base());
        try (var socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            var request = new StringBuilder(requestLine).append("\r\nHost: localhost\r\nConnection: close\r\n");
            for (String line : headerLines) {
                request.append(line).append("\r\n");
            }
            socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            var bytes = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(bytes);
            String text = bytes.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String head = text.substring(0, end);
            String body = text.substring(end + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = unchunked(body);
            }
            int status = Integer.parseInt(head.substring(9, 12));
            String contentType = head.lines()
                    .filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .map(l -> l.substring("content-type:".length()).strip())
                    .findFirst()
                    .orElse("");
            return new Api.Response(status, contentType, body, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String unchunked(String chunked) {
        var body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).strip(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private Map<String, Object> validJob(Map<String, Object> parallelism) {
        String datasetId = created(api.postCsv("/api/v1/datasets?name=errors", "x,y\n1,2\n3,4\n"));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(7, 2, 1).linearRequest("errors")));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", List.of("x", "y")));
        job.put("parallelism", parallelism);
        return job;
    }

    @Test
    void aCsvUploadWithAnUnclosedQuoteIsABadRequestThatNamesTheLine() {
        var response = api.postCsv("/api/v1/datasets?name=quote", "a,b\n\"1,2\n3,4\n");

        assertProblem(response, 400, "body");
        assertThat(detail(response)).contains("line 2").contains("quote");
    }

    @Test
    void aMisspeltFieldIsRefusedWithTheFieldItMostLikelyMeant() {
        var typo = api.postJson("/api/v1/jobs", validJob(Map.of("strategy", "DATA", "datashards", 4)));
        assertProblem(typo, 400, "parallelism.datashards");
        assertThat(detail(typo)).isEqualTo("parallelism.datashards: unknown field; did you mean dataShards?");

        var unlike = api.postJson("/api/v1/jobs", validJob(Map.of("strategy", "DATA", "zzzzqq", 4)));
        assertProblem(unlike, 400, "parallelism.zzzzqq");
        assertThat(detail(unlike))
                .startsWith("parallelism.zzzzqq: unknown field")
                .doesNotContain("did you mean");

        // the same body, spelt right, is taken
        assertThat(api.postJson("/api/v1/jobs", validJob(Map.of("strategy", "DATA", "dataShards", 2)))
                        .status())
                .isEqualTo(202);
    }

    @Test
    void aRequiredValueLeftOutIsRequired() {
        var training = new LinkedHashMap<String, Object>();
        training.put("type", "TRAINING");
        training.put("model", Map.of("architecture", Map.of("kind", "linear", "inputs", 1, "outputs", 1)));
        training.put("dataset", Map.of("id", UUID.randomUUID().toString(), "features", List.of("x"), "label", "y"));
        training.put("training", Map.of("epochs", 1, "batchSize", 2));

        var response = api.postJson("/api/v1/jobs", training);

        assertProblem(response, 400, "training.learningRate");
        assertThat(detail(response)).isEqualTo("training.learningRate: is required");

        var gpt = Map.of("name", "g", "architecture", Map.of("kind", "gpt", "heads", 2, "dModel", 8, "context", 16));
        var missing = api.postJson("/api/v1/models", gpt);
        assertProblem(missing, 400, "architecture.layers");
        assertThat(detail(missing)).isEqualTo("architecture.layers: is required");
    }

    @Test
    void valuesOfTheWrongKindSayWhatTheyMustBe() {
        var type = api.postJson("/api/v1/jobs", "{\"type\":\"SORTING\"}");
        assertProblem(type, 400, "type");
        assertThat(detail(type)).isEqualTo("type: must be one of INFERENCE, TRAINING, was 'SORTING'");

        var nan = api.postJson("/api/v1/jobs", "{\"type\":\"INFERENCE\",\"priority\":NaN}");
        assertProblem(nan, 400, "priority");
        assertThat(detail(nan)).isEqualTo("priority: must be a number; NaN and Infinity are not JSON numbers");

        var kind = api.postJson(
                "/api/v1/models", "{\"name\":\"m\",\"architecture\":{\"kind\":\"cnn\"},\"init\":{\"seed\":1}}");
        assertProblem(kind, 400, "architecture.kind");
        assertThat(detail(kind)).isEqualTo("architecture.kind: must be one of linear, mlp, gpt, was 'cnn'");

        var status = api.get("/api/v1/jobs?status=NOPE");
        assertProblem(status, 400, "status");
        assertThat(detail(status)).startsWith("status: must be one of QUEUED");
    }

    @Test
    void jsonPastALimitNamesTheLimit() {
        var prompt = "x".repeat(1_000_001);
        var longString = api.postJson(
                "/api/v1/jobs",
                Map.of(
                        "type",
                        "INFERENCE",
                        "model",
                        Map.of("id", UUID.randomUUID().toString()),
                        "input",
                        Map.of("prompts", List.of(prompt))));
        assertProblem(longString, 400, "input.prompts[0]");
        assertThat(detail(longString)).contains("1000000 characters").contains("shardflow.api.json.max-string-length");

        var longNumber = api.postJson("/api/v1/jobs", "{\"type\":\"INFERENCE\",\"priority\":" + "9".repeat(101) + "}");
        assertClean(longNumber);
        assertThat(longNumber.status()).isEqualTo(400);
        assertThat(detail(longNumber)).contains("100 characters").contains("shardflow.api.json.max-number-length");
    }

    @Test
    void aBatteryOfBadInputShowsNothingOfJavaOrTheLibraries() {
        String job = "/api/v1/jobs";
        String models = "/api/v1/models";
        String someone = UUID.randomUUID().toString();
        var bodies = List.of(
                List.of(job, ""),
                List.of(job, "not json"),
                List.of(job, "{"),
                List.of(job, "[]"),
                List.of(job, "null"),
                List.of(job, "\"text\""),
                List.of(job, "{'type':1}"),
                List.of(job, "{\"type\":\"INFERENCE\"} x"),
                List.of(job, "{\"type\":[1]}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"priority\":\"high\"}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"priority\":1e999}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"priority\":99999999999}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"priority\":Infinity}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"model\":{\"id\":\"nope\"}}"),
                List.of(job, "{\"type\":\"INFERENCE\",\"model\":[1]}"),
                List.of(
                        job,
                        "{\"type\":\"INFERENCE\",\"model\":{\"id\":\"" + someone + "\"},\"input\":{\"rows\":"
                                + "[[1,\"a\"]]}}"),
                List.of(job, "{\"type\":\"TRAINING\",\"model\":{\"architecture\":{\"kind\":\"cnn\"}}}"),
                List.of(job, "{\"type\":\"TRAINING\",\"model\":{\"architecture\":{\"layers\":[1]}}}"),
                List.of(job, "{\"type\":\"TRAINING\",\"training\":{\"standardize\":\"yes\"}}"),
                List.of(models, "{\"name\":\"m\",\"architecture\":{\"kind\":\"gpt\",\"heads\":2}}"),
                List.of(models, "{\"name\":\"m\",\"architecture\":{\"kind\":\"linear\",\"inputs\":\"two\"}}"),
                List.of(
                        models,
                        "{\"name\":\"m\",\"architecture\":{\"kind\":\"linear\",\"inputs\":2,\"outputs\":1},"
                                + "\"parameters\":{\"weight\":[[1,NaN]],\"bias\":[0]}}"),
                List.of(
                        models,
                        "{\"name\":\"m\",\"architecture\":{\"kind\":\"linear\",\"inputs\":2,\"outputs\":1},"
                                + "\"parameters\":{\"wieght\":[[1,2]],\"bias\":[0]}}"),
                List.of("/api/v1/jobs/" + someone + "/priority", "{\"priority\":\"x\"}"),
                List.of("/api/v1/jobs/" + someone + "/priority", "{\"prio\":1}"),
                List.of("/api/v1/models/" + someone + "/predict", "{\"rows\":[[1,\"a\"]]}"),
                List.of("/api/v1/models/" + someone + "/generate", "{\"prompt\":\"a\",\"maxTokens\":\"many\"}"),
                List.of("/api/v1/intake-bindings", "{\"source\":1,\"tenant\":[]}"),
                List.of("/api/v1/intake-bindings", "{}"),
                List.of("/api/v1/api-keys", "{\"name\":\"k\",\"tenant\":\"t\",\"roles\":\"ADMIN\"}"));
        var answered = new ArrayList<Api.Response>();
        for (var body : bodies) {
            var response = send("POST", body.get(0), "application/json", body.get(1));
            assertClean(response);
            if (response.status() == 400) {
                assertThat(response.json().has("field"))
                        .as(body + " → " + response.text())
                        .isTrue();
            }
            answered.add(response);
        }
        answered.add(send("POST", job, "text/plain", "{}"));
        answered.add(send("DELETE", job, "application/json", ""));
        answered.add(send("GET", "/api/v1/jobs/not-a-uuid", "application/json", ""));
        answered.add(send("GET", "/api/v1/jobs?page=x", "application/json", ""));
        answered.add(send("GET", "/api/v1/jobs/" + someone, "application/json", ""));
        answered.add(send("GET", "/api/v1/nothing-here", "application/json", ""));
        answered.add(send("GET", "/api/v1/queues?inspect=payments", "application/json", ""));
        answered.add(send("POST", "/api/v1/datasets?name=nan&format=jsonl", "application/x-ndjson", "{\"a\":NaN}\n"));
        answered.add(send("POST", "/api/v1/datasets?name=bad&format=jsonl", "application/x-ndjson", "{\"a\":\n"));
        answered.add(send("POST", "/api/v1/datasets?name=bad&format=yaml", "text/csv", "a\n1\n"));
        for (var response : answered) {
            assertClean(response);
        }
    }

    @Test
    void tomcatsOwnRefusalsAreProblemsToo() {
        var longQuery = api.get("/api/v1/jobs?q=" + "x".repeat(100_000));
        assertClean(longQuery);
        assertThat(longQuery.status()).isEqualTo(400);
        assertThat(detail(longQuery)).contains("server.max-http-request-header-size");

        var longHeader = send("GET", "/api/v1/jobs", "application/json", "", "X-Long", "y".repeat(100_000));
        assertClean(longHeader);
        assertThat(longHeader.status()).isEqualTo(400);

        // characters a URI may not hold, and an escape that is no escape: refused before any servlet runs
        var braces = raw("GET /api/v1/jobs?x={} HTTP/1.1");
        assertClean(braces);
        assertThat(braces.status()).isEqualTo(400);
        var badEscape = raw("GET /api/v1/%zz HTTP/1.1");
        assertClean(badEscape);
        assertThat(badEscape.status()).isEqualTo(400);
        var badVersion = raw("GET /api/v1/jobs HTTP/1.7");
        assertClean(badVersion);
    }

    @Test
    void theContainersErrorPageIsAProblem() {
        // Spring Security's firewall refuses a path parameter by sending an error, which the error page answers
        var rejected = api.get("/api/v1/jobs;x=1");
        assertClean(rejected);
        assertThat(rejected.status()).isEqualTo(400);

        var page = api.get("/error");
        assertClean(page);
    }

    @Test
    void theQueuesPageAnswersAnUnknownTopicWithAProblem() {
        var unknown = api.get("/queues?inspect=payments", "text/html");
        assertClean(unknown);
        assertThat(unknown.status()).isEqualTo(404);

        var known = api.get("/queues?inspect=shardflow.jobs", "text/html");
        assertThat(known.status()).as(known.text()).isEqualTo(200);
        assertThat(known.contentType()).startsWith("text/html");
    }

    @Test
    void aJobRequestEventWithAMisspeltFieldIsRejectedNamingIt() throws Exception {
        String bootstrap = platform.context().getEnvironment().getProperty("spring.kafka.bootstrap-servers");
        String run = UUID.randomUUID().toString();
        String source = "/errors/" + run;
        var binding = api.postJson("/api/v1/intake-bindings", Map.of("source", source, "tenant", "default"));
        assertThat(binding.status()).as(binding.text()).isEqualTo(201);
        var event = new LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", "typo-" + run);
        event.put("source", source);
        event.put("type", "io.shardflow.job.requested");
        event.put("datacontenttype", "application/json");
        event.put("data", validJob(Map.of("strategy", "DATA", "datashards", 4)));

        var producerSettings = new Properties();
        producerSettings.put("bootstrap.servers", bootstrap);
        try (var producer = new KafkaProducer<>(producerSettings, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests", "typo-" + run, Api.JSON.writeValueAsBytes(event)))
                    .get();
        }

        var consumerSettings = new Properties();
        consumerSettings.put("bootstrap.servers", bootstrap);
        consumerSettings.put("group.id", "errors-" + run);
        consumerSettings.put("auto.offset.reset", "earliest");
        JsonNode[] rejected = new JsonNode[1];
        try (var consumer =
                new KafkaConsumer<>(consumerSettings, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("shardflow.job-events"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    var e = Api.JSON.readTree(r.value());
                    if (e.path("subject").asString("").equals("typo-" + run)) {
                        rejected[0] = e;
                    }
                }
                return rejected[0] != null;
            });
        }
        assertThat(rejected[0].get("type").asString()).isEqualTo("io.shardflow.job.rejected");
        assertThat(rejected[0].get("data").get("field").asString()).isEqualTo("parallelism.datashards");
        assertThat(rejected[0].get("data").get("reason").asString())
                .isEqualTo("unknown field; did you mean dataShards?");
    }
}
