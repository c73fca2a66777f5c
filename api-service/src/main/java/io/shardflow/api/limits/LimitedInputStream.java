package io.shardflow.api.limits;

import io.shardflow.api.errors.LimitExceededException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body that may not go past {@code max} bytes. A declared length over it is refused at the first read,
 * before a byte is taken; a body without one (chunked) is counted as it streams and refused at the first byte over.
 * Either way the reader gets a {@link LimitExceededException}, whatever it had read until then.
 */
final class LimitedInputStream extends FilterInputStream {
    private final long max;
    private final long declared;
    private final String field;
    private final String limit;
    private long read;

    /** {@code declared}: the request's Content-Length, or -1 when it has none. */
    LimitedInputStream(InputStream in, long max, long declared, String field, String limit) {
        super(in);
        this.max = max;
        this.declared = declared;
        this.field = field;
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        checkDeclared();
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        checkDeclared();
        // one byte more than allowed is enough to know the body is too large
        int n = super.read(buffer, offset, (int) Math.min(length, max - read + 1));
        if (n > 0) {
            count(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        checkDeclared();
        long skipped = super.skip(Math.min(n, max - read + 1));
        count(skipped);
        return skipped;
    }

    private void checkDeclared() {
        if (declared > max) {
            throw LimitExceededException.tooLarge(field, limit, max, declared, "bytes");
        }
    }

    private void count(long n) {
        read += n;
        if (read > max) {
            throw LimitExceededException.streamedPast(field, "", limit, max, "bytes");
        }
    }
}
