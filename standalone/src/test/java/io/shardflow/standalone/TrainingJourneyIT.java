package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.models.Task;
import io.shardflow.core.training.FeatureScaling;
import io.shardflow.core.training.ParameterInit;
import io.shardflow.core.training.TrainingSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A business app's training journey on a real public data set (Breast Cancer Wisconsin, shipped by Debian's
 * python3-sklearn): train an MLP over 2 data shards, read its curve, find the model in the registry with its
 * lineage, and run inference with it (which applies the standardisation learnt in training).
 */
class TrainingJourneyIT {
    private static final int EPOCHS = 30;
    private static Fixtures.Table cancer;
    private static List<String> features;
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    @BeforeAll
    static void data() {
        try (var in = TrainingJourneyIT.class.getResourceAsStream("/datasets/breast_cancer.csv")) {
            var lines = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .strip()
                    .split("\n");
            var columns = List.of(lines[0].split(","));
            var values = new float[lines.length - 1][];
            for (int r = 1; r < lines.length; r++) {
                var cells = lines[r].split(",");
                values[r - 1] = new float[cells.length];
                for (int c = 0; c < cells.length; c++) {
                    values[r - 1][c] = Float.parseFloat(cells[c]);
                }
            }
            cancer = new Fixtures.Table(columns, values);
            features = columns.subList(0, 30);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> job(String datasetId, Map<String, Object> training) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put(
                "model",
                Map.of(
                        "name",
                        "wdbc-mlp",
                        "architecture",
                        Map.of(
                                "kind",
                                "mlp",
                                "layers",
                                List.of(30, 16, 2),
                                "activation",
                                "relu",
                                "task",
                                "classification")));
        job.put("dataset", Map.of("id", datasetId, "features", features, "label", "label"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        job.put("training", training);
        return job;
    }

    @Test
    void anMlpOnTwoShardsLearnsBreastCancerAndServesInference() {
        String datasetId = created(api.postCsv("/api/v1/datasets?name=breast-cancer", cancer.csv()));
        var training = Map.<String, Object>of(
                "epochs",
                EPOCHS,
                "batchSize",
                32,
                "optimizer",
                "adam",
                "learningRate",
                0.003,
                "seed",
                11,
                "validationSplit",
                0.2,
                "standardize",
                true);

        String jobId = created(api.postJson("/api/v1/jobs", job(datasetId, training)));
        var job = awaitStatus(api, jobId, "SUCCEEDED");

        // accuracy on the 20% held out, next to the data set's published 97.5% (10-fold cross-validation)
        double accuracy = job.get("metrics").get("validationAccuracy").asDouble();
        assertThat(accuracy).isGreaterThanOrEqualTo(0.96);
        var schedule = new TrainingSchedule(569, 0.2, 11, 32);
        int steps = schedule.stepsPerEpoch() * EPOCHS;
        assertThat(job.get("progress").get("step").asInt()).isEqualTo(steps);
        assertThat(job.get("progress").get("epoch").asInt()).isEqualTo(EPOCHS);
        long platformMillis = Duration.between(
                        Instant.parse(job.get("startedAt").asString()),
                        Instant.parse(job.get("finishedAt").asString()))
                .toMillis();

        var curve = api.get("/api/v1/jobs/" + jobId + "/metrics").json().get("points");
        assertThat(curve.size()).isEqualTo(steps);
        var validation = new ArrayList<JsonNode>();
        curve.forEach(p -> {
            assertThat(p.get("loss").isNull()).isFalse();
            if (!p.get("validationLoss").isNull()) {
                validation.add(p);
            }
        });
        assertThat(validation).hasSize(EPOCHS);
        assertThat(validation.getLast().get("validationLoss").asDouble())
                .isLessThan(validation.getFirst().get("validationLoss").asDouble());
        assertThat(curve.get(steps - 1).get("loss").asDouble())
                .isLessThan(curve.get(0).get("loss").asDouble());

        String modelId = job.get("resultModelId").asString();
        var model = api.get("/api/v1/models/" + modelId).json();
        assertThat(model.get("name").asString()).isEqualTo("wdbc-mlp");
        assertThat(model.get("lineage").get("job").asString()).isEqualTo(jobId);
        assertThat(model.get("lineage").get("dataset").asString()).isEqualTo(datasetId);
        assertThat(model.get("metrics").get("validationAccuracy").asDouble()).isEqualTo(accuracy);
        assertThat(model.get("preprocessing").get("standardize").get("mean").size())
                .isEqualTo(30);
        assertThat(api.get("/api/v1/models?size=200").json().findValuesAsString("id"))
                .contains(modelId);

        // inference with the trained model: it standardises the inputs as in training, one output per class
        String inference = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 3)));
        awaitStatus(api, inference, "SUCCEEDED");
        var outputs = api.get("/api/v1/jobs/" + inference + "/result").json().get("outputs");
        int right = 0;
        for (int r = 0; r < 569; r++) {
            int predicted =
                    outputs.get(r).get(1).asDouble() > outputs.get(r).get(0).asDouble() ? 1 : 0;
            right += predicted == (int) cancer.values()[r][30] ? 1 : 0;
        }
        assertThat(right / 569.0).isGreaterThanOrEqualTo(0.96);

        // the same training in one process with plain DJL: same parameters within 1e-4, and its wall time
        var architecture = new MlpArchitecture(List.of(30, 16, 2), null, Task.CLASSIFICATION);
        var initial = ModelParameters.flat(ParameterInit.xavier(architecture, 11));
        var scaled = standardised(schedule);
        long started = System.nanoTime();
        var expected = ReferenceTraining.train(
                initial,
                new int[] {30, 16, 2},
                scaled,
                features,
                "label",
                ReferenceTraining.Loss.SOFTMAX_CROSS_ENTROPY,
                ReferenceTraining.adam(0.003f),
                schedule,
                steps);
        long referenceMillis = (System.nanoTime() - started) / 1_000_000;
        var trained = TrainingIT.flat(
                api.get("/api/v1/models/" + modelId + "/parameters").json());
        assertThat(TrainingIT.maxDifference(trained, expected)).isLessThanOrEqualTo(1e-4);
        System.out.printf(
                "breast-cancer training: %d steps, validation accuracy %.4f, inference accuracy %.4f, "
                        + "platform %d ms (2 shards), single-process DJL %d ms%n",
                steps, accuracy, right / 569.0, platformMillis, referenceMillis);
    }

    /** The table with features standardised on the training split, as the platform does before training. */
    private static Fixtures.Table standardised(TrainingSchedule schedule) {
        var accumulator = new FeatureScaling.Accumulator(30);
        for (int row : schedule.trainingRowIndexes()) {
            accumulator.add(cancer.values()[row], 0);
        }
        var scaling = accumulator.result();
        var values = new float[cancer.values().length][];
        for (int r = 0; r < values.length; r++) {
            values[r] = cancer.values()[r].clone();
            var x = Arrays.copyOf(values[r], 30);
            scaling.apply(x);
            System.arraycopy(x, 0, values[r], 0, 30);
        }
        return new Fixtures.Table(cancer.columns(), values);
    }

    @Test
    void localSgdSynchronisingEveryFiveStepsAlsoLearnsIt() {
        String datasetId = created(api.postCsv("/api/v1/datasets?name=breast-cancer-local", cancer.csv()));
        var training = Map.<String, Object>of(
                "epochs",
                10,
                "batchSize",
                32,
                "optimizer",
                "sgd",
                "learningRate",
                0.05,
                "momentum",
                0.9,
                "syncEvery",
                5,
                "seed",
                3,
                "validationSplit",
                0.2,
                "standardize",
                true);

        String jobId = created(api.postJson("/api/v1/jobs", job(datasetId, training)));
        var job = awaitStatus(api, jobId, "SUCCEEDED");

        assertThat(job.get("metrics").get("validationAccuracy").asDouble()).isGreaterThanOrEqualTo(0.93);
        int steps = new TrainingSchedule(569, 0.2, 3, 32).stepsPerEpoch() * 10;
        var curve = api.get("/api/v1/jobs/" + jobId + "/metrics").json().get("points");
        int losses = 0;
        for (var point : curve) {
            losses += point.get("loss").isNull() ? 0 : 1;
        }
        assertThat(losses).as("one loss per synchronisation round").isEqualTo((steps + 4) / 5);
        assertThat(job.get("plan").get("training").get("syncEvery").asInt()).isEqualTo(5);
    }
}
