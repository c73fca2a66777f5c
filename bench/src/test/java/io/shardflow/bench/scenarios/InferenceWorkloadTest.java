package io.shardflow.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InferenceWorkloadTest {

    @Test
    void theCsvHasAHeaderAndTheRowsAskedFor() throws IOException {
        String text;
        try (var csv = new InferenceWorkload.CsvRows(1000, 1)) {
            text = new String(csv.readAllBytes(), StandardCharsets.US_ASCII);
        }
        var lines = text.split("\n");
        assertThat(lines).hasSize(1001);
        assertThat(lines[0]).startsWith("f0,f1,").endsWith(",f63");
        for (int i = 1; i < lines.length; i++) {
            var values = lines[i].split(",");
            assertThat(values).hasSize(64);
            for (var value : values) {
                assertThat(Float.parseFloat(value)).isBetween(-1f, 1f);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameRows() throws IOException {
        try (var a = new InferenceWorkload.CsvRows(50, 7);
                var b = new InferenceWorkload.CsvRows(50, 7)) {
            assertThat(a.readAllBytes()).isEqualTo(b.readAllBytes());
        }
    }

    @Test
    void aRowCostsTheMlpsMultiplyAdds() {
        assertThat(InferenceWorkload.FLOPS_PER_ROW).isEqualTo(2.0 * (64 * 512 + 512 * 512 + 512 * 10));
    }

    @Test
    void theChartGoesToAFolderNamedAfterTheReport() {
        assertThat(io.shardflow.bench.Report.chartPath(Path.of("docs/benchmarks.md"), "lanes.png"))
                .isEqualTo(Path.of("docs/benchmarks/lanes.png").toAbsolutePath());
        assertThat(io.shardflow.bench.Report.chartPath(Path.of("/tmp/quick.md"), "lanes.png"))
                .isEqualTo(Path.of("/tmp/quick/lanes.png"));
    }
}
