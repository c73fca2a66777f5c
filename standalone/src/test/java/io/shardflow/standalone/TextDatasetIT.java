package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.db.datasets.DatasetRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Text datasets: UTF-8 stored as bytes in chunks, so a shard reads only its byte range; anything else is a 400. */
class TextDatasetIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    private Api.Response upload(byte[] body) throws Exception {
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/datasets?name=text-" + UUID.randomUUID()
                                        + "&format=text"))
                                .header("Content-Type", "text/plain; charset=utf-8")
                                .header("Authorization", "Bearer " + api.key())
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Api.Response(
                response.statusCode(),
                response.headers().firstValue("content-type").orElse(""),
                response.body(),
                response.headers().map());
    }

    @Test
    void utf8TextIsStoredAsBytesAndReadByRange() throws Exception {
        var text = "Héllo wörld — ✓ naïve café. "
                .repeat(8_000); // about 270 kB: several chunks, characters cut at chunk edges
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

        var response = upload(bytes);

        assertThat(response.status()).as(response.text()).isEqualTo(201);
        JsonNode dataset = response.json();
        assertThat(dataset.get("format").asString()).isEqualTo("text");
        assertThat(dataset.get("bytes").asLong()).isEqualTo(bytes.length);
        assertThat(dataset.has("rows")).isFalse();
        var repository = platform.context().getBean(DatasetRepository.class);
        var row = repository.find(UUID.fromString(dataset.get("id").asString())).orElseThrow();
        for (long[] range :
                new long[][] {{0, 10}, {65_530, 65_545}, {100_000, 200_000}, {bytes.length - 7, bytes.length}}) {
            assertThat(repository.readBytes(row, range[0], range[1]))
                    .isEqualTo(Arrays.copyOfRange(bytes, (int) range[0], (int) range[1]));
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheirOffset() throws Exception {
        byte[] good = "fine so far ".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        byte[] bad = Arrays.copyOf(good, good.length + 3);
        bad[good.length] = (byte) 0xff;
        var response = upload(bad);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("detail").asString())
                .contains("not UTF-8")
                .contains("offset " + good.length);

        byte[] cut = Arrays.copyOf(
                "ends in é".getBytes(StandardCharsets.UTF_8), "ends in é".getBytes(StandardCharsets.UTF_8).length - 1);
        assertThat(upload(cut).json().get("detail").asString()).contains("ends inside a character");
    }

    @Test
    void numericModelsDoNotTakeTextDatasets() throws Exception {
        String datasetId = upload("some words".getBytes(StandardCharsets.UTF_8))
                .json()
                .get("id")
                .asString();
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(95, 1, 1).linearRequest("numbers")));
        var response = api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("byte"), 1));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("field").asString()).isEqualTo("dataset.id");
    }
}
