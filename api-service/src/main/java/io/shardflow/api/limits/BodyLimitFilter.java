package io.shardflow.api.limits;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every request body is read through a {@link LimitedInputStream}: a dataset upload up to
 * {@code max-upload-bytes}, anything else up to {@code max-request-bytes}. Whoever reads the body (Jackson, the
 * dataset importer) gets the limit's exception instead of more bytes, so a body is never read whole before it is
 * judged, and a streamed upload stops at the limit.
 */
@Component
class BodyLimitFilter extends OncePerRequestFilter {
    static final String DATASETS = "/api/v1/datasets";

    private final LimitSettings limits;

    BodyLimitFilter(LimitSettings limits) {
        this.limits = limits;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean upload = "POST".equals(request.getMethod())
                && DATASETS.equals(request.getRequestURI()
                        .substring(request.getContextPath().length()));
        long max = upload
                ? limits.maxUploadBytes().toBytes()
                : limits.maxRequestBytes().toBytes();
        String limit = upload ? LimitSettings.MAX_UPLOAD_BYTES : LimitSettings.MAX_REQUEST_BYTES;
        chain.doFilter(new Limited(request, max, limit), response);
    }

    /** The request with its body behind the limit. */
    private static final class Limited extends HttpServletRequestWrapper {
        private final long max;
        private final String limit;
        private @Nullable ServletInputStream body;

        Limited(HttpServletRequest request, long max, String limit) {
            super(request);
            this.max = max;
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (body == null) {
                var in = super.getInputStream();
                var limited = new LimitedInputStream(in, max, getContentLengthLong(), "body", limit);
                body = new ServletInputStream() {
                    @Override
                    public int read() throws IOException {
                        return limited.read();
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        return limited.read(buffer, offset, length);
                    }

                    @Override
                    public long skip(long n) throws IOException {
                        return limited.skip(n);
                    }

                    @Override
                    public int available() throws IOException {
                        return limited.available();
                    }

                    @Override
                    public void close() throws IOException {
                        limited.close();
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return body;
        }
    }
}
