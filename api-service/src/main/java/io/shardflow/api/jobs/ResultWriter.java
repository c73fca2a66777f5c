package io.shardflow.api.jobs;

import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.tensors.Tensor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/** Streams a result matrix (or a generation's completions) as JSON or CSV without building the whole text in memory. */
final class ResultWriter {
    private ResultWriter() {}

    static void json(Tensor result, OutputStream out) throws IOException {
        var w = writer(out);
        int rows = result.shape()[0];
        int columns = result.shape()[1];
        w.write("{\"rows\":" + rows + ",\"columns\":" + columns + ",\"outputs\":[");
        for (int r = 0; r < rows; r++) {
            w.write(r == 0 ? "[" : ",[");
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    w.write(',');
                }
                float v = result.get(r, c);
                // JSON has no NaN or infinity
                w.write(Float.isFinite(v) ? Float.toString(v) : "null");
            }
            w.write(']');
        }
        w.write("]}");
        w.flush();
    }

    static void csv(Tensor result, OutputStream out) throws IOException {
        var w = writer(out);
        int rows = result.shape()[0];
        int columns = result.shape()[1];
        for (int c = 0; c < columns; c++) {
            w.write((c > 0 ? "," : "") + "output_" + c);
        }
        w.write('\n');
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    w.write(',');
                }
                w.write(Float.toString(result.get(r, c)));
            }
            w.write('\n');
        }
        w.flush();
    }

    /** One completion per line, under the header {@code output}, quoted as RFC 4180 asks. */
    static void csv(GenerationResult result, OutputStream out) throws IOException {
        var w = writer(out);
        w.write("output\n");
        for (String output : result.outputs()) {
            w.write('"' + output.replace("\"", "\"\"") + "\"\n");
        }
        w.flush();
    }

    private static BufferedWriter writer(OutputStream out) {
        return new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    }
}
