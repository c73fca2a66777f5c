package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * worker.autoscaling: KEDA on the shards waiting for a lane or holding one, counted in PostgreSQL, or a plain
 * HorizontalPodAutoscaler on CPU.
 */
class AutoscalingTest {

    /** What the ScaledObject asks PostgreSQL ({@link KedaQueryTest} runs it on the services' schema). */
    static final String QUERY = "select count(*) from shards where (status = 'PENDING' or status in ('DISPATCHED',"
            + " 'RUNNING')) and takes_lane";

    @Test
    void kedaScalesTheWorkersOnTheShardsWaitingOrRunningInPostgresql() {
        var rendered = ValueSets.rendered(ValueSets.KEDA);

        assertThat(rendered.untyped("ScaledObject")).hasSize(1);
        var scaledObject = rendered.untyped("ScaledObject").getFirst();
        var spec = map(scaledObject, "spec");
        assertThat(map(spec, "scaleTargetRef"))
                .containsEntry("apiVersion", "apps/v1")
                .containsEntry("kind", "Deployment")
                .containsEntry(
                        "name", rendered.deployment("worker").getMetadata().getName());
        assertThat(spec)
                .containsEntry("minReplicaCount", 1)
                .containsEntry("maxReplicaCount", 12)
                .containsEntry("pollingInterval", 15)
                .containsEntry("cooldownPeriod", 300);

        var trigger = trigger(rendered);
        assertThat(trigger).containsEntry("type", "postgresql");
        // KEDA reads its metadata as strings; the password never appears in it
        assertThat(map(trigger, "metadata"))
                .containsOnly(
                        // the default database.url's host is a Service in the release's namespace
                        Map.entry("host", "postgresql.shardflow.svc"),
                        Map.entry("port", "5432"),
                        Map.entry("dbName", "shardflow"),
                        Map.entry("sslmode", "prefer"),
                        Map.entry("query", QUERY),
                        // a worker's lanes: its CPU limit (4)
                        Map.entry("targetQueryValue", "4"));
    }

    @Test
    void kedaLogsInWithTheServicesDatabaseCredentialsFromTheirSecret() {
        var rendered = ValueSets.rendered(ValueSets.KEDA);

        var authentication = rendered.untyped("TriggerAuthentication");
        assertThat(authentication).hasSize(1);
        assertThat(authentication.getFirst()).containsEntry("apiVersion", "keda.sh/v1alpha1");
        assertThat(map(trigger(rendered), "authenticationRef"))
                .containsEntry(
                        "name", map(authentication.getFirst(), "metadata").get("name"));
        assertThat(list(map(authentication.getFirst(), "spec"), "secretTargetRef"))
                .containsExactlyInAnyOrder(
                        Map.of("parameter", "userName", "name", "demo-shardflow", "key", "database-username"),
                        Map.of("parameter", "password", "name", "demo-shardflow", "key", "database-password"));
        // the same Secret and keys the services read
        var env = rendered.container("worker").getEnv();
        assertThat(env)
                .filteredOn(e -> e.getName().equals("SPRING_DATASOURCE_PASSWORD"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("demo-shardflow");
                    assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("database-password");
                });
    }

    @Test
    void kedaReadsTheCredentialsFromAnExistingSecretUnderItsKeys() {
        var rendered = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("existingSecret", ValueSets.OWN_SECRET)
                .set("secretKeys.databaseUsername", "user")
                .set("secretKeys.databasePassword", "pass")
                .render();

        assertThat(list(map(rendered.untyped("TriggerAuthentication").getFirst(), "spec"), "secretTargetRef"))
                .containsExactlyInAnyOrder(
                        Map.of("parameter", "userName", "name", ValueSets.OWN_SECRET, "key", "user"),
                        Map.of("parameter", "password", "name", ValueSets.OWN_SECRET, "key", "pass"));
    }

    @Test
    void theInstallNotesSayWhatKedaScalesOn() {
        var notes = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("worker.autoscaling.minReplicas", 0)
                .installOutput();

        assertThat(notes)
                .contains("worker     0 to 12 pods, scaled by KEDA on the shards waiting or running in PostgreSQL,"
                        + " 4 per worker")
                .doesNotContain("shardflow-workers");
    }

    @Test
    void kedaOwnsTheWorkersReplicasAndNoHpaCompetes() {
        var rendered = ValueSets.rendered(ValueSets.KEDA);

        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isNull();
        assertThat(rendered.deployment("api").getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void kedaTunesFromValues() {
        var rendered = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("worker.autoscaling.minReplicas", 0)
                .set("worker.autoscaling.maxReplicas", 6)
                .set("worker.autoscaling.keda.shardsPerWorker", 10)
                .set("worker.autoscaling.keda.pollingInterval", 5)
                .set("worker.autoscaling.keda.cooldownPeriod", 60)
                .set("worker.autoscaling.keda.database.host", "pg.internal.example.com")
                .set("worker.autoscaling.keda.database.port", 6432)
                .set("worker.autoscaling.keda.database.dbName", "jobs")
                .set("worker.autoscaling.keda.database.sslmode", "verify-full")
                .render();

        var spec = map(rendered.untyped("ScaledObject").getFirst(), "spec");
        assertThat(spec)
                .containsEntry("minReplicaCount", 0)
                .containsEntry("maxReplicaCount", 6)
                .containsEntry("pollingInterval", 5)
                .containsEntry("cooldownPeriod", 60);
        assertThat(map(trigger(rendered), "metadata"))
                .containsEntry("targetQueryValue", "10")
                .containsEntry("host", "pg.internal.example.com")
                .containsEntry("port", "6432")
                .containsEntry("dbName", "jobs")
                .containsEntry("sslmode", "verify-full");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            jdbc:postgresql://db.example.com:6432/shardflow_prod?sslmode=require&ApplicationName=x | db.example.com | 6432 | shardflow_prod | require
            jdbc:postgresql://pg-primary:5432,pg-standby:5432/shardflow?targetServerType=primary | pg-primary.shardflow.svc | 5432 | shardflow | prefer
            jdbc:postgresql://postgresql.data/shardflow?ssl=true                                  | postgresql.data          | 5432 | shardflow | verify-full
            jdbc:postgresql://10.0.0.7/shardflow?sslmode=disable                                  | 10.0.0.7                 | 5432 | shardflow | disable
            jdbc:postgresql://[fd00::5]:5433/shardflow                                            | fd00::5                  | 5433 | shardflow | prefer
            """)
    void kedaTakesTheDatabaseApartFromTheServicesJdbcUrl(
            String url, String host, String port, String dbName, String sslmode) {
        var rendered = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("database.url", url)
                .render();

        assertThat(map(trigger(rendered), "metadata"))
                .containsEntry("host", host)
                .containsEntry("port", port)
                .containsEntry("dbName", dbName)
                .containsEntry("sslmode", sslmode);
    }

    @Test
    void kedaNeedsADatabaseNameTheUrlDoesNotGive() {
        var noDatabase = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("database.url", "jdbc:postgresql://db.example.com:5432/");

        assertThatThrownBy(noDatabase::renderText)
                .hasMessageContaining("names no database")
                .hasMessageContaining("worker.autoscaling.keda.database.dbName");
        assertThat(map(
                        trigger(noDatabase
                                .set("worker.autoscaling.keda.database.dbName", "shardflow")
                                .render()),
                        "metadata"))
                .containsEntry("host", "db.example.com")
                .containsEntry("dbName", "shardflow");
    }

    @Test
    void kedaRefusesAnSslmodeItsDriverDoesNotKnow() {
        var unknown = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("database.url", "jdbc:postgresql://db.example.com/shardflow?sslmode=required");

        assertThatThrownBy(unknown::renderText)
                .hasMessageContaining("sslmode \"required\"")
                .hasMessageContaining("must be disable, allow, prefer, require, verify-ca or verify-full");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            worker.resources.limits.cpu | 2      | 2
            worker.resources.limits.cpu | 3500m  | 4
            worker.resources.limits.cpu | 0.5    | 1
            worker.javaToolOptions      | -XX:MaxRAMPercentage=50.0 -XX:ActiveProcessorCount=8 | 8
            """)
    void theTargetPerWorkerIsTheLanesAWorkerMakesForItsCpus(String key, String value, String target) {
        var rendered = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set(key, value)
                .render();

        assertThat(map(trigger(rendered), "metadata")).containsEntry("targetQueryValue", target);
    }

    @Test
    void theTargetPerWorkerIsTheLanesTheWorkerIsGiven() {
        var fromWorkerEnv = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("extraEnv[0].name", "SHARDFLOW_WORKER_LANES")
                .set("extraEnv[0].value", "3")
                .set("worker.env[0].name", "SHARDFLOW_WORKER_LANES")
                .set("worker.env[0].value", "6")
                .render();
        var fromExtraEnv = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .set("extraEnv[0].name", "SHARDFLOW_WORKER_LANES")
                .set("extraEnv[0].value", "3")
                .render();

        // worker.env comes after extraEnv in the container, so its value is the one the worker sees
        assertThat(map(trigger(fromWorkerEnv), "metadata")).containsEntry("targetQueryValue", "6");
        assertThat(map(trigger(fromExtraEnv), "metadata")).containsEntry("targetQueryValue", "3");
    }

    @Test
    void withoutLanesToCountTheTargetPerWorkerMustBeGiven() {
        var noLimit =
                Chart.withDefaults().set("worker.autoscaling.enabled", true).set("worker.resources.limits.cpu", "null");

        assertThatThrownBy(noLimit::renderText).hasMessageContaining("set shardsPerWorker");
        assertThat(map(
                        trigger(noLimit.set("worker.autoscaling.keda.shardsPerWorker", 5)
                                .render()),
                        "metadata"))
                .containsEntry("targetQueryValue", "5");
    }

    @Test
    void anHpaScalesTheWorkersOnCpuInsteadOfKeda() {
        var rendered = ValueSets.rendered(ValueSets.HPA);

        assertThat(rendered.untyped("ScaledObject")).isEmpty();
        assertThat(rendered.untyped("TriggerAuthentication")).isEmpty();
        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isNull();
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).singleElement().satisfies(hpa -> {
            var spec = hpa.getSpec();
            assertThat(spec.getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(spec.getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
            assertThat(spec.getScaleTargetRef().getName())
                    .isEqualTo(rendered.deployment("worker").getMetadata().getName());
            assertThat(spec.getMinReplicas()).isEqualTo(1);
            assertThat(spec.getMaxReplicas()).isEqualTo(12);
            assertThat(spec.getMetrics()).singleElement().satisfies(metric -> {
                assertThat(metric.getType()).isEqualTo("Resource");
                assertThat(metric.getResource().getName()).isEqualTo("cpu");
                assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
                assertThat(metric.getResource().getTarget().getAverageUtilization())
                        .isEqualTo(70);
            });
        });
    }

    @Test
    void withoutAutoscalingTheWorkersRunTheirReplicas() {
        var rendered = Chart.withDefaults()
                .set("worker.replicas", 5)
                .set("worker.autoscaling.kind", "hpa")
                .render();

        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isEqualTo(5);
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.untyped("ScaledObject")).isEmpty();
        assertThat(rendered.untyped("TriggerAuthentication")).isEmpty();
    }

    private static Map<String, Object> trigger(Rendered rendered) {
        var triggers = list(map(rendered.untyped("ScaledObject").getFirst(), "spec"), "triggers");
        assertThat(triggers).hasSize(1);
        return triggers.getFirst();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (List<Map<String, Object>>) parent.get(key);
    }
}
