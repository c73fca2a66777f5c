package io.shardflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FreshTest {
    private Instant now = Instant.parse("2026-12-01T00:00:00Z");

    private Clock clock() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
    }

    @Test
    void aValueIsWorkedOutOncePerPeriod() {
        var asked = new AtomicInteger();
        var fresh = new Fresh<>(Duration.ofSeconds(5), clock(), asked::incrementAndGet);

        assertThat(fresh.get()).isEqualTo(1);
        now = now.plusSeconds(4);
        assertThat(fresh.get()).isEqualTo(1);
        now = now.plusSeconds(1);
        assertThat(fresh.get()).isEqualTo(2);
    }

    @Test
    void aFailureIsKeptAsLongAsAValueWouldBe() {
        var asked = new AtomicInteger();
        var fresh = new Fresh<Integer>(Duration.ofSeconds(5), clock(), () -> {
            if (asked.incrementAndGet() == 1) {
                throw new IllegalStateException("away");
            }
            return 7;
        });

        assertThatThrownBy(fresh::get).hasMessage("away");
        assertThatThrownBy(fresh::get).hasMessage("away");
        assertThat(asked).hasValue(1);
        now = now.plusSeconds(5);
        assertThat(fresh.get()).isEqualTo(7);
    }
}
