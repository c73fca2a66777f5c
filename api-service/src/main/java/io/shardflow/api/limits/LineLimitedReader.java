package io.shardflow.api.limits;

import io.shardflow.api.errors.LimitExceededException;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Text whose lines may not be longer than {@code max} characters: a line reader (CSV, JSON Lines) above it then
 * never holds more than about that much, however long the line the client sent.
 */
public final class LineLimitedReader extends FilterReader {
    private final int max;
    private final String limit;
    private long line = 1;
    private long length;

    public LineLimitedReader(Reader in, int max, String limit) {
        super(in);
        this.max = max;
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) {
            count((char) c);
        }
        return c;
    }

    @Override
    public int read(char[] buffer, int offset, int count) throws IOException {
        int n = super.read(buffer, offset, count);
        for (int i = 0; i < n; i++) {
            count(buffer[offset + i]);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // read rather than skip, so that the skipped characters are counted too
        var buffer = new char[(int) Math.min(n, 8192)];
        long skipped = 0;
        while (skipped < n) {
            int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    private void count(char c) {
        if (c == '\n') {
            line++;
            length = 0;
        } else if (++length > max) {
            throw LimitExceededException.streamedPast("body", "line " + line, limit, max, "characters");
        }
    }
}
