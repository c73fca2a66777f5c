package io.shardflow.core.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.planning.Strategy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

class MessageCodecTest {

    @Test
    void shardTasksRoundTrip() {
        var task = new ShardTask(
                UUID.randomUUID(),
                0,
                0,
                2,
                1,
                TaskKind.INFER,
                UUID.randomUUID(),
                UUID.randomUUID(),
                List.of("a", "b"),
                null,
                10,
                20,
                0,
                0,
                new io.shardflow.core.planning.ShardLayout(1, 2, 0, 0, 0),
                "alice");
        assertThat(MessageCodec.decode(MessageCodec.encode(task), ShardTask.class))
                .isEqualTo(task);
    }

    @Test
    void architecturesCarryTheirKind() {
        var json = new String(MessageCodec.encode(new MlpArchitecture(List.of(3, 4, 2), null)), StandardCharsets.UTF_8);
        assertThat(json)
                .contains("\"kind\":\"mlp\"")
                .contains("\"activation\":\"relu\"")
                .doesNotContain("inputs");
        assertThat(MessageCodec.decode(
                        "{\"kind\":\"linear\",\"inputs\":3,\"outputs\":2}".getBytes(), ModelArchitecture.class))
                .isEqualTo(new LinearArchitecture(3, 2));
        assertThatThrownBy(() -> MessageCodec.decode("{\"kind\":\"cnn\"}".getBytes(), ModelArchitecture.class))
                .isInstanceOf(JacksonException.class);
    }

    @Test
    void aJobSpecFillsDefaultsAndRejectsBadFields() {
        var spec = MessageCodec.decode(
                ("{\"type\":\"INFERENCE\",\"model\":{\"id\":\"" + UUID.randomUUID() + "\"},\"dataset\":{\"id\":\""
                                + UUID.randomUUID() + "\",\"features\":[\"x\"]}}")
                        .getBytes(),
                JobSpec.class);
        assertThat(spec.type()).isEqualTo(JobType.INFERENCE);
        assertThat(spec.parallelism().strategy()).isEqualTo(Strategy.AUTO);
        assertThat(spec.parallelism().dataShards()).isNull();
        assertThat(spec.maxAttempts()).isEqualTo(3);

        assertThatThrownBy(() -> new JobSpec.DatasetRef(UUID.randomUUID(), List.of("a", "a")))
                .isInstanceOfSatisfying(
                        InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("features[1]"));
        assertThatThrownBy(() -> new JobSpec.Parallelism(Strategy.DATA, 0))
                .isInstanceOfSatisfying(
                        InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("dataShards"));
    }
}
