package io.shardflow.worker;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.messaging.JobTracing;
import io.shardflow.messaging.MessagingSettings;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.DenseTraining;
import io.shardflow.worker.compute.ModelCache;
import io.shardflow.worker.compute.ModelCacheMeters;
import io.shardflow.worker.generation.GenerationComputation;
import io.shardflow.worker.generation.GenerationEngine;
import io.shardflow.worker.generation.GptNetworks;
import io.shardflow.worker.generation.StageGeneration;
import io.shardflow.worker.lanes.Attempts;
import io.shardflow.worker.lanes.Computations;
import io.shardflow.worker.lanes.Heartbeat;
import io.shardflow.worker.lanes.InferenceComputation;
import io.shardflow.worker.lanes.LaneYield;
import io.shardflow.worker.lanes.Lanes;
import io.shardflow.worker.lanes.ProcessStats;
import io.shardflow.worker.lanes.ShardExecutor;
import io.shardflow.worker.lanes.ShardMeters;
import io.shardflow.worker.lanes.WorkerIdentity;
import io.shardflow.worker.training.ParameterCache;
import io.shardflow.worker.training.SliceCache;
import io.shardflow.worker.training.SplitTraining;
import io.shardflow.worker.training.TextTraining;
import io.shardflow.worker.training.TrainingComputation;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {
    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

    @Bean
    WorkerIdentity workerIdentity(WorkerSettings settings) {
        var identity = WorkerIdentity.of(settings.id());
        log.info("this is worker {} on host {}", identity.id(), identity.host());
        return identity;
    }

    /** DJL's process-wide settings first, then the engine, which reads them as it loads. */
    @Bean
    ComputeEngine computeEngine(WorkerSettings settings) {
        ComputeEngine.configure(settings.intraOpThreads());
        return new ComputeEngine(settings.device());
    }

    @Bean(destroyMethod = "invalidateAll")
    ModelCache modelCache(
            ModelRepository models, ComputeEngine engine, WorkerSettings settings, MeterRegistry registry) {
        return new ModelCache(
                models,
                engine,
                settings.modelCache().toBytes(),
                settings.modelCap(),
                new ModelCacheMeters(registry, "dense"));
    }

    @Bean
    InferenceComputation inferenceComputation(
            WorkerSettings settings,
            JobRepository jobs,
            ModelRepository models,
            DatasetRepository datasets,
            ActivationStore activations,
            ModelCache cache,
            ShardQueue queue,
            TenantQuotas quotas,
            QuotaDefaults quotaDefaults,
            Clock clock) {
        var yield = new LaneYield(queue, quotas, quotaDefaults, clock, settings.sliceTime(), settings.modelCap());
        return new InferenceComputation(settings, jobs, models, datasets, activations, cache, yield);
    }

    @Bean
    TrainingComputation trainingComputation(
            JobRepository jobs,
            TrainingStore store,
            DatasetRepository datasets,
            ComputeEngine engine,
            WorkerSettings settings,
            ActivationStore activations,
            PieceStore pieces) {
        var dense = new DenseTraining(engine);
        return new TrainingComputation(
                jobs,
                new ParameterCache(store, settings.modelCache().toBytes()),
                new SliceCache(
                        datasets, settings.batchRows(), settings.dataCache().toBytes()),
                dense,
                new TextTraining(datasets, engine, settings.dataCache().toBytes()),
                new SplitTraining(pieces, activations, dense, engine));
    }

    @Bean(destroyMethod = "closeAll")
    GptNetworks gptNetworks(
            ModelRepository models, ComputeEngine engine, WorkerSettings settings, MeterRegistry registry) {
        return new GptNetworks(models, engine, settings.modelCap(), 8, new ModelCacheMeters(registry, "gpt"));
    }

    @Bean(destroyMethod = "close")
    GenerationEngine generationEngine(GptNetworks networks, WorkerSettings settings, JobRepository jobs) {
        return new GenerationEngine(
                networks,
                settings.generation().maxBatch(),
                settings.generation().maxWaiting(),
                jobs::ended);
    }

    /**
     * Finishes generation tasks (stores the partial, queues the notice) off the engine's thread. Not a default
     * candidate, so it neither stands in for Boot's application task executor nor is injected anywhere unasked. It
     * is shut down with the context, after the lanes and the engine have stopped, and lets the notices still queued
     * be written first.
     */
    @Bean(defaultCandidate = false)
    ThreadPoolTaskExecutor shardCompletions() {
        var executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(2);
        executor.setMaxPoolSize(2);
        executor.setThreadNamePrefix("shardflow-finish-");
        executor.setDaemon(true);
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(10);
        return executor;
    }

    @Bean
    Attempts attempts(
            WorkerIdentity identity,
            WorkerSettings settings,
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            Outbox outbox,
            OneRoundEnd end,
            ResultStore results,
            AdmissionSignal admission,
            JdbcClient jdbc,
            TransactionTemplate tx,
            Clock clock) {
        return new Attempts(
                identity, settings, jobs, shards, partials, outbox, end, results, admission, jdbc, tx, clock);
    }

    @Bean
    Computations computations(
            JobRepository jobs,
            InferenceComputation inference,
            TrainingComputation training,
            ModelRepository models,
            DatasetRepository datasets,
            ActivationStore activations,
            GptNetworks networks,
            GenerationEngine engine) {
        return new Computations(
                inference,
                training,
                new StageGeneration(jobs, models, activations, networks),
                new GenerationComputation(jobs, models, datasets, engine));
    }

    @Bean
    ShardExecutor shardExecutor(
            Attempts attempts,
            Computations computations,
            @Qualifier("shardCompletions") Executor completions,
            MeterRegistry registry,
            JobTracing tracing) {
        return new ShardExecutor(attempts, computations, completions, new ShardMeters(registry), tracing);
    }

    /**
     * The worker's lanes (busy and in all, tagged with the worker's id) and its generation engine: bytes generated,
     * batched steps and the sequences they carried (their ratio is the batch's occupancy), KV-cache slots in use.
     */
    @Bean
    MeterBinder workerMeters(WorkerIdentity identity, Lanes lanes, GenerationEngine generation) {
        return registry -> {
            Gauge.builder("shardflow.lanes.busy", lanes, Lanes::busy)
                    .description("Lanes running a task now")
                    .tag("worker", identity.id())
                    .register(registry);
            Gauge.builder("shardflow.lanes", lanes, Lanes::total)
                    .description("Lanes this worker runs")
                    .tag("worker", identity.id())
                    .register(registry);
            FunctionCounter.builder("shardflow.generation.tokens", generation, GenerationEngine::tokensGenerated)
                    .description("Tokens (bytes) generated")
                    .register(registry);
            FunctionCounter.builder("shardflow.generation.steps", generation, GenerationEngine::steps)
                    .description("Batched decoding steps")
                    .register(registry);
            FunctionCounter.builder("shardflow.generation.sequence.steps", generation, GenerationEngine::sequenceSteps)
                    .description("Sequences carried by the batched steps, summed")
                    .register(registry);
            Gauge.builder("shardflow.generation.kv.slots.used", generation, GenerationEngine::slotsInUse)
                    .description("KV-cache slots holding a sequence, over every model's batch")
                    .register(registry);
            Gauge.builder("shardflow.generation.batch.slots", generation, GenerationEngine::maxBatch)
                    .description("KV-cache slots of one model's batch")
                    .register(registry);
        };
    }

    @Bean
    Lanes lanes(
            WorkerIdentity identity,
            WorkerSettings settings,
            MessagingSettings messaging,
            LaneRegistry registry,
            ShardRepository shards,
            ConsumerFactory<Object, Object> consumers,
            ShardExecutor executor,
            ComputeEngine engine,
            Clock clock) {
        return new Lanes(
                identity, settings, messaging.laneSlots(), registry, shards, consumers, executor, engine, clock);
    }

    @Bean
    Heartbeat heartbeat(
            WorkerIdentity identity,
            WorkerSettings settings,
            WorkerRegistry registry,
            ShardRepository shards,
            ShardExecutor executor,
            Lanes lanes,
            ComputeEngine engine,
            ModelCache models,
            GptNetworks networks,
            Clock clock) {
        var stats = new ProcessStats(() -> {
            var loaded = new java.util.HashSet<>(models.loaded());
            loaded.addAll(networks.loaded());
            return loaded;
        });
        return new Heartbeat(identity, settings, registry, shards, executor, lanes, engine, stats, clock);
    }

    private static Map<String, Object> generationDetails(GenerationEngine generation) {
        var details = new LinkedHashMap<String, Object>();
        details.put("tokens", generation.tokensGenerated());
        details.put("steps", generation.steps());
        details.put("sequenceSteps", generation.sequenceSteps());
        details.putAll(generation.busy());
        return details;
    }

    /** UP once the engine is loaded, every lane runs (none died of an Error), and a heartbeat was written recently. */
    @Bean
    HealthIndicator workerHealthIndicator(
            Lanes lanes,
            Heartbeat heartbeat,
            WorkerIdentity identity,
            WorkerSettings settings,
            ComputeEngine engine,
            GenerationEngine generation,
            Clock clock) {
        return () -> {
            Instant last = heartbeat.lastBeat();
            boolean fresh = last != null
                    && last.isAfter(
                            clock.instant().minus(settings.heartbeatInterval().multipliedBy(5)));
            var health = lanes.allAlive() && fresh ? Health.up() : Health.down();
            return health.withDetail("id", identity.id())
                    .withDetail("lanes", settings.effectiveLanes())
                    .withDetail("slots", lanes.slots())
                    .withDetail("laneDevices", engine.laneDevices(settings.effectiveLanes()))
                    .withDetail("lastHeartbeat", String.valueOf(last))
                    .withDetail("generation", generationDetails(generation))
                    .build();
        };
    }
}
