package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestInfrastructureTest {

    @Test
    void containersWhereADockerEngineAnswersTheEmbeddedServersElsewhere() {
        assertThat(TestInfrastructure.choose("auto", () -> true)).isEqualTo(TestInfrastructure.CONTAINERS);
        assertThat(TestInfrastructure.choose("", () -> false)).isEqualTo(TestInfrastructure.EMBEDDED);
    }

    @Test
    void embeddedWhenAskedEvenWithDocker() {
        assertThat(TestInfrastructure.choose("Embedded", () -> {
                    throw new AssertionError("no need to ask Docker");
                }))
                .isEqualTo(TestInfrastructure.EMBEDDED);
    }

    @Test
    void containersWithoutDockerIsRefusedWithTheReason() {
        assertThat(TestInfrastructure.choose("containers", () -> true)).isEqualTo(TestInfrastructure.CONTAINERS);
        assertThatThrownBy(() -> TestInfrastructure.choose("containers", () -> false))
                .hasMessageContaining("no Docker engine answers");
        assertThatThrownBy(() -> TestInfrastructure.choose("podman", () -> true))
                .hasMessageContaining("auto, containers or embedded")
                .hasMessageContaining("'podman'");
    }
}
