package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A restart on the same data folder keeps jobs, datasets and models, and they work as before. */
class RestartIT {

    @Test
    void aRestartOnTheSameFolderKeepsEverything() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        var table = Fixtures.randomTable(21, 100, List.of("p", "q"));
        var model = Fixtures.randomDense(22, 2, 3);
        var features = List.of("p", "q");
        String datasetId;
        String modelId;
        String jobId;
        var keyFile = dataDir.resolve(ShardflowStandalone.ADMIN_KEY_FILE);
        String firstKey;
        try (var first = TestPlatform.start(dataDir)) {
            // the first start made an ADMIN key and left it for its owner alone, the key alone on one line
            firstKey = Files.readString(keyFile);
            assertThat(firstKey).matches("sfk_[A-Za-z0-9_-]{43}\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
                    .isEqualTo("rw-------");
            var api = TestPlatform.api(first);
            datasetId = created(api.postCsv("/api/v1/datasets?name=kept", table.csv()));
            modelId = created(api.postJson("/api/v1/models", model.linearRequest("kept")));
            jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 2)));
            awaitStatus(api, jobId, "SUCCEEDED");
        }

        try (var second = TestPlatform.start(dataDir)) {
            assertThat(Files.readString(keyFile))
                    .as("an ADMIN key exists: none is made")
                    .isEqualTo(firstKey);
            var api = TestPlatform.api(second);
            assertThat(api.get("/api/v1/datasets/" + datasetId)
                            .json()
                            .get("rows")
                            .asLong())
                    .isEqualTo(100);
            assertThat(api.get("/api/v1/models/" + modelId).json().get("name").asString())
                    .isEqualTo("kept");
            assertThat(api.get("/api/v1/jobs/" + jobId).json().get("status").asString())
                    .isEqualTo("SUCCEEDED");
            assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);

            String again = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 2)));
            awaitStatus(api, again, "SUCCEEDED");
            assertOutputs(api.get("/api/v1/jobs/" + again + "/result").json(), table, features, model);
        }
    }
}
