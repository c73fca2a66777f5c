package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.standalone.StandaloneSettings.Service;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

class StandaloneSettingsTest {

    private static StandaloneSettings of(String... args) {
        var env = new StandardEnvironment();
        env.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        return StandaloneSettings.of(env);
    }

    @Test
    void everyServiceByDefaultSomeWhenNamedNoneForNone() {
        assertThat(of().standalone().services()).containsExactly(Service.API, Service.SCHEDULER, Service.WORKER);
        assertThat(of("--shardflow.standalone.services=worker,api").standalone().services())
                .containsExactly(Service.API, Service.WORKER);
        assertThat(of("--shardflow.standalone.services=none").standalone().services())
                .isEmpty();
    }

    @Test
    void theEmbeddedServersListenOnLoopbackUnlessToldOtherwise() {
        assertThat(of().local().address()).isEqualTo("127.0.0.1");
        assertThat(of("--shardflow.local.address=0.0.0.0").local().address()).isEqualTo("0.0.0.0");
        assertThat(new LocalAddress("0.0.0.0").connectHost()).isEqualTo("127.0.0.1");
        assertThat(new LocalAddress("::1").connectHost()).isEqualTo("[::1]");
        assertThat(new LocalAddress("127.0.0.1").advertisedHost()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> new LocalAddress(" ")).hasMessageContaining("shardflow.local.address");
    }

    @Test
    void commitsWaitForTheDiskUnlessToldNotTo() {
        assertThat(of().local().postgresSynchronousCommit()).isTrue();
        assertThat(of("--shardflow.local.postgres-synchronous-commit=false")
                        .local()
                        .postgresSynchronousCommit())
                .isFalse();
    }

    @Test
    void noneWithAServiceIsRefused() {
        assertThatThrownBy(() -> of("--shardflow.standalone.services=none,api"))
                .hasStackTraceContaining("cannot be listed with");
    }
}
