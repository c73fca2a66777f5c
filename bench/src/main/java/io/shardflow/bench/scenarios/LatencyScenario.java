package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jspecify.annotations.Nullable;

/**
 * How long one small job takes end to end: a one-row inference job from its submit until a GET shows it
 * SUCCEEDED, and the same through the synchronous {@code /predict}. The floor beside it: a produce→consume round
 * trip on the platform's own broker, since a job crosses Kafka at least three times (request, task, notice).
 */
public class LatencyScenario implements Scenario {

    @Override
    public String name() {
        return "latency";
    }

    @Override
    public String summary() {
        return "one-row inference job, submit to SUCCEEDED visible, against the Kafka produce→consume round trip";
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var api = context.api();
        int jobs = context.options().quick() ? 50 : 300;
        String datasetId = csv(api);
        String modelId = api.ok(
                        "/api/v1/models",
                        Map.of(
                                "name",
                                "latency-linear",
                                "architecture",
                                Map.of("kind", "linear", "inputs", 3, "outputs", 1),
                                "parameters",
                                Map.of("weight", new float[][] {{1, 2, 3}}, "bias", new float[] {0.5f})))
                .get("id")
                .asString();
        var job = Map.of(
                "type",
                "INFERENCE",
                "model",
                Map.of("id", modelId),
                "dataset",
                Map.of("id", datasetId, "features", List.of("a", "b", "c")),
                "parallelism",
                Map.of("strategy", "DATA", "dataShards", 1));
        var predict = Map.of("rows", List.of(new float[] {1, 2, 3}));
        for (int i = 0; i < 20; i++) { // warm up both paths
            submitAndWait(api, job);
            api.ok("/api/v1/models/" + modelId + "/predict", predict);
        }
        var jobLatency = new ArrayList<Double>();
        var predictLatency = new ArrayList<Double>();
        var ids = new ArrayList<String>();
        for (int i = 0; i < jobs; i++) {
            long started = System.nanoTime();
            ids.add(submitAndWait(api, job));
            jobLatency.add((System.nanoTime() - started) / 1e6);
            started = System.nanoTime();
            api.ok("/api/v1/models/" + modelId + "/predict", predict);
            predictLatency.add((System.nanoTime() - started) / 1e6);
        }
        String jdbcUrl = context.jdbcUrl();
        String breakdown = jdbcUrl == null ? "" : breakdown(jdbcUrl, ids);
        String bootstrap = context.kafka();
        var kafka = bootstrap == null ? null : roundTrips(bootstrap, jobs);
        var j = Stats.of(jobLatency);
        var p = Stats.of(predictLatency);
        var chart = Report.chartPath(context.options().out(), "latency.png");
        drawDistribution(chart, j, p, kafka);
        String floor = kafka == null
                ? "| Kafka produce→consume round trip | (no broker address given: --kafka) | |\n"
                : "| Kafka produce→consume round trip (acks=all) | %.1f ms | %.1f ms |\n"
                        .formatted(kafka.percentile(50), kafka.percentile(99));
        String ratio = kafka == null
                ? ""
                : " A job's p50 is %.1f× the round trip's.".formatted(j.percentile(50) / kafka.percentile(50));
        return new Report.Section("Latency of a one-row job", """
            %d one-row inference jobs (linear model, one data shard), one after another; a job's latency runs from \
            its POST until `GET /api/v1/jobs/{id}?waitMs=10000`, which answers as soon as the job has ended, returns \
            it SUCCEEDED. `/predict` sends the row inline and answers when the job ended. Aims: job p50 ≤ 3× the \
            Kafka round trip measured beside it, p99 ≤ 25 ms; `/predict` p50 ≤ 8 ms, p99 ≤ 20 ms.

            | | p50 | p99 |
            | --- | --- | --- |
            | job: submit → SUCCEEDED visible | %.1f ms | %.1f ms |
            | `/predict` (synchronous) | %.1f ms | %.1f ms |
            %s
            ![latency distribution](%s)

            Where the time goes: a job crosses Kafka once (its task, from admission to a worker lane, published by \
            the outbox relay after admission's commit) in four transactions: intake with planning (the scheduler \
            runs in the API's process: the job, its plan, its shard PENDING, its events), an admission pass (the \
            shard DISPATCHED to an idle lane, its task in the outbox), the lane's claim, and the lane's end (the \
            partial, the shard DONE, the job SUCCEEDED with its result and event: a data-parallel inference needs \
            no merge). Intake and the lane's end wait for the disk (fsync); admission, the relay and the claim do \
            not, as what they write is redone safely if lost.%s
            %s""".formatted(
                        jobs,
                        j.percentile(50),
                        j.percentile(99),
                        p.percentile(50),
                        p.percentile(99),
                        floor,
                        Report.chartLink(context.options().out(), chart),
                        ratio,
                        breakdown));
    }

    private static String csv(Http api) {
        return api.postCsv("/api/v1/datasets?name=latency-" + UUID.randomUUID(), "a,b,c\n1,2,3\n")
                .get("id")
                .asString();
    }

    /** Submits the job and returns its id once it reads SUCCEEDED. */
    private static String submitAndWait(Http api, Map<String, Object> job) throws InterruptedException {
        String id = api.ok("/api/v1/jobs", job).get("id").asString();
        // one GET that answers when the job has ended; polling stays as the fallback should the wait run out
        var waited = api.get("/api/v1/jobs/" + id + "?waitMs=10000").body();
        if (!"SUCCEEDED".equals(waited.get("status").asString())) {
            api.awaitJob(id, 1);
        }
        return id;
    }

    /**
     * Medians of each leg of the measured jobs, from the timestamps the platform writes (each is its transaction's
     * start): intake to planned, planned to dispatched, dispatched to a lane's start, the lane's work, its end to the job's.
     */
    private static String breakdown(String jdbcUrl, List<String> ids) throws SQLException {
        String sql = """
            select percentile_cont(0.5) within group (order by extract(epoch from j.started_at - j.created_at)),
                   percentile_cont(0.5) within group (order by extract(epoch from s.dispatched_at - j.started_at)),
                   percentile_cont(0.5) within group (order by extract(epoch from s.started_at - s.dispatched_at)),
                   percentile_cont(0.5) within group (order by extract(epoch from s.finished_at - s.started_at)),
                   percentile_cont(0.5) within group (order by extract(epoch from j.finished_at - s.finished_at)),
                   percentile_cont(0.5) within group (order by extract(epoch from j.finished_at - j.created_at))
            from jobs j join shards s on s.job_id = j.id where j.id = any(?)""";
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(sql)) {
            statement.setArray(
                    1,
                    c.createArrayOf("uuid", ids.stream().map(UUID::fromString).toArray()));
            try (var rs = statement.executeQuery()) {
                rs.next();
                return """
                    Medians of each leg, from the platform's own timestamps: submit → planned %.1f ms; \
                    planned → dispatched to a lane %.1f ms; dispatched → the lane starts %.1f ms (the relay, a \
                    Kafka hop, the claim); the lane reads, computes and stores %.1f ms; the lane's end → \
                    SUCCEEDED %.1f ms; in all %.1f ms inside the platform (the rest is HTTP and the waiting GET, \
                    which the ending commit wakes in the same process; an API apart from the workers is woken by \
                    the job's event on Kafka instead).
                    """.formatted(
                                rs.getDouble(1) * 1e3,
                                rs.getDouble(2) * 1e3,
                                rs.getDouble(3) * 1e3,
                                rs.getDouble(4) * 1e3,
                                rs.getDouble(5) * 1e3,
                                rs.getDouble(6) * 1e3);
            }
        }
    }

    /** The three latency distributions as curves of latency against percentile. */
    private static void drawDistribution(Path file, Stats job, Stats predict, @Nullable Stats kafka)
            throws IOException {
        var data = new XYSeriesCollection();
        data.addSeries(curve("job: submit → SUCCEEDED visible", job));
        data.addSeries(curve("/predict", predict));
        if (kafka != null) {
            data.addSeries(curve("Kafka round trip", kafka));
        }
        var chart = ChartFactory.createXYLineChart("Latency of a one-row job", "percentile", "milliseconds", data);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
        Files.createDirectories(file.getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 720, 420);
    }

    private static XYSeries curve(String name, Stats stats) {
        var series = new XYSeries(name);
        for (int p = 1; p <= 100; p++) {
            series.add(p, stats.percentile(p));
        }
        return series;
    }

    /** Sequential produce→consume round trips on a topic of its own, in milliseconds. */
    private static Stats roundTrips(String bootstrap, int count) {
        String topic = "shardflow.bench-latency-" + UUID.randomUUID();
        var producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        var consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, topic);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        var samples = new ArrayList<Double>();
        try (var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
                var consumer =
                        new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            producer.send(new ProducerRecord<>(topic, new byte[16])).get(); // creates the topic
            consumer.subscribe(List.of(topic));
            int seen = 0;
            while (seen < 1) {
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
            for (int i = 0; i < count + 20; i++) {
                long started = System.nanoTime();
                var sent = producer.send(new ProducerRecord<>(topic, new byte[64]));
                int got = 0;
                while (got == 0) {
                    got = consumer.poll(Duration.ofMillis(100)).count();
                    if (got == 0 && sent.isDone()) {
                        sent.get(); // a failed send ends the measurement with its cause rather than polling for ever
                    }
                }
                if (i >= 20) {
                    samples.add((System.nanoTime() - started) / 1e6);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the Kafka round trip failed: " + e.getMessage(), e);
        }
        return Stats.of(samples);
    }
}
