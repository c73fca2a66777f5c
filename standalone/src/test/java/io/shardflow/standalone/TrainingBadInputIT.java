package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Training input that cannot work gets a 400 naming the field, or a FAILED job that says why. */
class TrainingBadInputIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);
    private String datasetId;

    @BeforeEach
    void dataset() {
        datasetId = created(api.postCsv(
                "/api/v1/datasets?name=train-bad",
                "x1,x2,class,half,big\n1,2,0,0.5,1000\n3,4,1,1.5,-2000\n5,6,2,2,3000\n7,8,1,0,-4000\n"));
    }

    private Map<String, Object> job(
            Map<String, Object> architecture, List<String> features, String label, Map<String, Object> training) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", architecture));
        var dataset = new LinkedHashMap<String, Object>();
        dataset.put("id", datasetId);
        dataset.put("features", features);
        if (label != null) {
            dataset.put("label", label);
        }
        job.put("dataset", dataset);
        job.put("training", training);
        return job;
    }

    private static Map<String, Object> classifier(int inputs, int classes) {
        return Map.of("kind", "mlp", "layers", List.of(inputs, 4, classes), "task", "classification");
    }

    private static final Map<String, Object> ADAM =
            Map.of("epochs", 2, "batchSize", 2, "optimizer", "adam", "learningRate", 0.01);

    private void assertField(Api.Response response, String field, String detail) {
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("field").asString()).isEqualTo(field);
        assertThat(response.json().get("detail").asString()).contains(detail);
    }

    @Test
    void aLabelThatIsNotAnIntegerClassIsRefused() {
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), "half", ADAM)),
                "dataset.label",
                "row 1 of column 'half' is 0.5, not an integer class in 0..2");
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 2), List.of("x1", "x2"), "class", ADAM)),
                "dataset.label",
                "row 3 of column 'class' is 2.0, not an integer class in 0..1");
    }

    @Test
    void aLayerThatDoesNotFitTheFeaturesIsRefused() {
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(3, 3), List.of("x1", "x2"), "class", ADAM)),
                "dataset.features",
                "takes 3 inputs, 2 feature columns were given");
        assertField(
                api.postJson(
                        "/api/v1/jobs",
                        job(Map.of("kind", "linear", "inputs", 2, "outputs", 2), List.of("x1", "x2"), "big", ADAM)),
                "model.architecture",
                "needs 1 output");
    }

    @Test
    void trainingSettingsAreChecked() {
        var zero = Map.<String, Object>of("epochs", 2, "batchSize", 2, "learningRate", 0);
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), "class", zero)),
                "training.learningRate",
                "must be a finite number > 0");
        var negative = Map.<String, Object>of("epochs", 2, "batchSize", 2, "learningRate", -0.1);
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), "class", negative)),
                "training.learningRate",
                "must be a finite number > 0");
        var both = Map.<String, Object>of("epochs", 2, "steps", 5, "batchSize", 2, "learningRate", 0.1);
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), "class", both)),
                "training.steps",
                "not both");
        var optimizer = Map.<String, Object>of("epochs", 2, "batchSize", 2, "learningRate", 0.1, "optimizer", "lbfgs");
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), "class", optimizer)),
                "training.optimizer",
                "not one of sgd, adam");
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "x2"), null, ADAM)),
                "dataset.label",
                "required for training");
        assertField(
                api.postJson("/api/v1/jobs", job(classifier(2, 3), List.of("x1", "class"), "class", ADAM)),
                "dataset.label",
                "is also a feature");
        var localSteps = new LinkedHashMap<>(ADAM);
        localSteps.put("syncEvery", 4);
        var tensor = job(classifier(2, 3), List.of("x1", "x2"), "class", localSteps);
        tensor.put("parallelism", Map.of("strategy", "TENSOR", "modelShards", 2));
        assertField(api.postJson("/api/v1/jobs", tensor), "training.syncEvery", "local SGD (syncEvery > 1) needs DATA");
        var hybrid = job(classifier(2, 3), List.of("x1", "x2"), "class", localSteps);
        hybrid.put("parallelism", Map.of("strategy", "HYBRID", "dataShards", 2, "modelShards", 2));
        assertField(api.postJson("/api/v1/jobs", hybrid), "training.syncEvery", "HYBRID training synchronises");
        var noTraining = job(classifier(2, 3), List.of("x1", "x2"), "class", ADAM);
        noTraining.remove("training");
        assertField(api.postJson("/api/v1/jobs", noTraining), "training", "is required");
    }

    @Test
    void nonFiniteFeaturesNeverReachTraining() {
        var response = api.postCsv("/api/v1/datasets?name=nan", "x,y\n1,0\nNaN,1\n");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("detail").asString())
                .contains("row 2")
                .contains("'x'")
                .contains("NaN");
    }

    @Test
    void aDivergingRunFailsWithThatReasonAndRegistersNoModel() {
        var training = Map.<String, Object>of("steps", 40, "batchSize", 4, "optimizer", "sgd", "learningRate", 1000);
        String jobId = created(api.postJson(
                "/api/v1/jobs",
                job(Map.of("kind", "linear", "inputs", 1, "outputs", 1), List.of("big"), "x1", training)));

        var job = awaitStatus(api, jobId, "FAILED");

        assertThat(job.get("error").asString())
                .contains("training diverged at step")
                .contains("learning rate");
        assertThat(job.has("resultModelId")).isFalse();
    }
}
