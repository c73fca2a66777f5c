package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.Topics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * How fast the platform turns job requests on Kafka into jobs: N CloudEvents ({@code io.shardflow.job.requested},
 * each with an id of its own, the one-row job of Intake as data) published at once on {@code shardflow.job-requests},
 * timed from the first send until all N jobs exist ("accepted": the job rows are committed, as a REST 202 means; the
 * tenant's job list counts them). Then checks that exactly N jobs were made, and that the same N events sent again
 * make none.
 */
public class KafkaIntakeScenario implements Scenario {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String name() {
        return "kafka-intake";
    }

    @Override
    public String summary() {
        return "job requests per second turned into jobs from CloudEvents on shardflow.job-requests";
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        String title = "Kafka intake: job requests accepted per second";
        String bootstrap = context.kafka();
        if (bootstrap == null) {
            return new Report.Section(title, "Skipped: the bench ran with `--api` and no `--kafka`.\n");
        }
        var options = context.options();
        int count = options.quick() ? 3_000 : 20_000;
        var api = context.api();
        var jobs = OneRowJobs.create(api, "bench-kafka-intake");
        String tenant =
                api.post("/api/v1/jobs", jobs.job()).body().get("tenant").asString();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String source = "/bench/kafka-intake-" + run;
        var binding = api.post("/api/v1/intake-bindings", Map.of("source", source, "tenant", tenant));
        if (binding.status() != 201) {
            throw new IllegalStateException(
                    "POST /api/v1/intake-bindings answered " + binding.status() + ": " + binding.body());
        }
        var producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        var rates = new ArrayList<Double>();
        var cpu = new ArrayList<CpuUse>();
        List<byte[]> last = List.of();
        long exact = -1;
        long again = -1;
        try (var cap = QueueCap.lift(api, tenant);
                var producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
                var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // warm up: the consumer's batches, the JIT
            publish(producer, events("warm-" + run, count / 10, source, jobs.job()));
            awaitCaughtUp(admin);
            for (int r = 0; r < options.repeats(); r++) {
                jobs.awaitIdle();
                var events = events(run + "-" + r, count, source, jobs.job());
                long before = total(api);
                var cpuBefore = CpuUse.now(context.platform());
                long started = System.nanoTime();
                publish(producer, events);
                while (total(api) < before + count) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                cpu.add(CpuUse.now(context.platform()).since(cpuBefore));
                rates.add(count / seconds);
                awaitCaughtUp(admin);
                exact = total(api) - before;
                System.out.printf(
                        "  run %d: %d requests in %.2f s, %.0f/s; %d jobs%n",
                        r + 1, count, seconds, rates.getLast(), exact);
                last = events;
            }
            // the last run's events again: every id has its job already
            long before = total(api);
            publish(producer, last);
            awaitCaughtUp(admin);
            again = total(api) - before;
            System.out.printf("  sent again: %d events, %d jobs more%n", last.size(), again);
            jobs.awaitIdle();
        }
        if (exact != count || again != 0) {
            throw new IllegalStateException(
                    count + " distinct requests made " + exact + " jobs, and sent again " + again + " more");
        }
        var text = """
            %d job requests per run, each a structured CloudEvent `io.shardflow.job.requested` with an id of its own \
            and the one-row inference job of Intake as data, published at once by one producer in the bench \
            (`acks=all`, `linger.ms=5`) on `shardflow.job-requests`; timed from the first send until the tenant's \
            job list counts all %d jobs (accepted: the job rows committed, as a REST 202 means). The API's consumer \
            writes each polled batch (up to 500 records) in one transaction.

            | | Kafka intake |
            | --- | --- |
            | job requests accepted per second | %s |
            | processor time per request: platform (with its PostgreSQL and broker), bench JVM | %s |
            | jobs made for %d distinct ids | %d |
            | jobs made when the same %d events were sent again | %d |

            Aim: ≥ 5,000 requests/s.
            """.formatted(
                count, count, Stats.of(rates).spread("%.0f"), CpuUse.perJob(cpu, count), count, exact, count, again);
        return new Report.Section(title, text);
    }

    /** {@code count} job requests with ids of their own, as structured CloudEvents. */
    private static List<byte[]> events(String prefix, int count, String source, Map<String, Object> job) {
        var events = new ArrayList<byte[]>(count);
        for (int i = 0; i < count; i++) {
            var event = new LinkedHashMap<String, Object>();
            event.put("specversion", "1.0");
            event.put("id", "bench-" + prefix + "-" + i);
            event.put("source", source);
            event.put("type", "io.shardflow.job.requested");
            event.put("datacontenttype", "application/json");
            event.put("data", job);
            events.add(JSON.writeValueAsBytes(event));
        }
        return events;
    }

    private static void publish(KafkaProducer<String, byte[]> producer, List<byte[]> events) {
        for (var event : events) {
            producer.send(new ProducerRecord<>(Topics.JOB_REQUESTS, event));
        }
        producer.flush();
    }

    /** All the tenant's jobs, whatever their status: the list's total. */
    private static long total(Http api) {
        return api.get("/api/v1/jobs?size=1").body().get("total").asLong();
    }

    /** Waits until the API's consumer group has committed every record on the topic: all of them were read. */
    private static void awaitCaughtUp(Admin admin) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            var committed = admin.listConsumerGroupOffsets(ConsumerGroups.API)
                    .partitionsToOffsetAndMetadata()
                    .get();
            var partitions = committed.keySet().stream()
                    .filter(p -> p.topic().equals(Topics.JOB_REQUESTS))
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            var ends = admin.listOffsets(partitions).all().get();
            boolean caughtUp = !partitions.isEmpty();
            for (TopicPartition p : partitions.keySet()) {
                var at = committed.get(p);
                var end = ends.get(p);
                caughtUp &= at != null && end != null && at.offset() >= end.offset();
            }
            if (caughtUp) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException(
                "the API's consumer did not catch up with " + Topics.JOB_REQUESTS + " in 5 min");
    }
}
