package io.shardflow.api.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.api.errors.LimitExceededException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.io.Writer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;

/** The limit checks on their own: where exactly a stream, a line or a registration is stopped, and how. */
class LimitsTest {
    private static LimitSettings settings(Duration registrationTimeout) {
        return new LimitSettings(
                DataSize.ofMegabytes(64),
                DataSize.ofGigabytes(1),
                1024,
                16,
                100,
                10,
                DataSize.ofGigabytes(10),
                Map.of("small", DataSize.ofBytes(0)),
                registrationTimeout);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedWithoutReadingTheBody() {
        var untouched = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        var body = new LimitedInputStream(untouched, 100, 101, "body", "max");

        assertThatThrownBy(body::read).isInstanceOfSatisfying(LimitExceededException.class, e -> {
            assertThat(e.max()).isEqualTo(100);
            assertThat(e.value()).isEqualTo(101);
            assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
        });
    }

    @Test
    void aStreamedBodyMayHaveExactlyTheLimitAndNotAByteMore() throws Exception {
        var exact = new LimitedInputStream(new ByteArrayInputStream(new byte[100]), 100, -1, "body", "max");
        assertThat(exact.readAllBytes()).hasSize(100);

        var over = new LimitedInputStream(new ByteArrayInputStream(new byte[101]), 100, -1, "body", "max");
        assertThatThrownBy(over::readAllBytes)
                .isInstanceOfSatisfying(
                        LimitExceededException.class, e -> assertThat(e.value()).isEqualTo(101));
    }

    @Test
    void aLineLongerThanTheLimitIsRefusedWithItsNumber() throws Exception {
        var fine = new LineLimitedReader(new StringReader("x".repeat(16) + "\n" + "y".repeat(16)), 16, "max");
        assertThat(fine.transferTo(Writer.nullWriter())).isEqualTo(33);

        var tooLong = new LineLimitedReader(new StringReader("a\nb\n" + "z".repeat(17)), 16, "max");
        assertThatThrownBy(() -> tooLong.transferTo(Writer.nullWriter()))
                .isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("line 3 is larger than the 16 characters allowed");
    }

    @Test
    void aRegistrationPastItsTimeoutIsStoppedWithA504() {
        var deadline = new Limits(settings(Duration.ZERO)).registrationDeadline();

        assertThatThrownBy(deadline::run).isInstanceOfSatisfying(LimitExceededException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
            assertThat(e.limit()).isEqualTo(LimitSettings.MODEL_REGISTRATION_TIMEOUT);
        });
        new Limits(settings(Duration.ofMinutes(1))).registrationDeadline().run();
    }

    @Test
    void aTenantsOverrideReplacesTheDefaultStorageLimitAndZeroMeansNone() {
        var limits = settings(Duration.ofMinutes(1));
        assertThat(limits.storageLimit("anyone"))
                .isEqualTo(DataSize.ofGigabytes(10).toBytes());
        assertThat(limits.storageLimitName("anyone")).isEqualTo(LimitSettings.TENANT_STORAGE);
        assertThat(limits.storageLimit("small")).isEqualTo(Long.MAX_VALUE);
        assertThat(limits.storageLimitName("small")).isEqualTo("shardflow.api.limits.tenant-storage-overrides[small]");
    }
}
