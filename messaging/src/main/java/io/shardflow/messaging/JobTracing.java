package io.shardflow.messaging;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.shardflow.db.jdbc.CurrentTrace;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One job, one trace: spans that continue a job's trace where no Kafka listener or HTTP request carried it in (a
 * lane's task, a shard admitted by a background pass, a request event's CloudEvents {@code traceparent}), and the
 * current context as a W3C {@code traceparent} for the rows that carry it on ({@link CurrentTrace}).
 */
public final class JobTracing implements CurrentTrace {
    /** The W3C header, and the CloudEvents distributed-tracing extension attribute of the same name. */
    public static final String TRACEPARENT = "traceparent";

    private final Tracer tracer;
    private final Propagator propagator;

    public JobTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** No tracing: no spans, no context (code built by hand in tests). */
    public static JobTracing off() {
        return new JobTracing(Tracer.NOOP, Propagator.NOOP);
    }

    @Override
    public @Nullable String traceparent() {
        var context = tracer.currentTraceContext().context();
        if (context == null) {
            return null;
        }
        var carrier = new HashMap<String, String>(4);
        propagator.inject(context, carrier, (map, key, value) -> {
            if (map != null) {
                map.put(key, value);
            }
        });
        return carrier.get(TRACEPARENT);
    }

    /** The trace id of a {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}), or null if it is not one. */
    static @Nullable String traceId(@Nullable String traceparent) {
        return traceparent != null && traceparent.length() >= 55 && traceparent.charAt(2) == '-'
                ? traceparent.substring(3, 35)
                : null;
    }

    /**
     * A span named {@code name}, current until closed: a child of {@code parent} (a {@code traceparent}), or of the
     * current span without one, or the root of a new trace without either.
     */
    public Scope start(String name, @Nullable String parent) {
        Span span = parent == null
                ? tracer.nextSpan().name(name).start()
                : propagator
                        .extract(Map.of(TRACEPARENT, parent), (carrier, key) -> carrier.get(key))
                        .name(name)
                        .start();
        return new Scope(span, tracer.withSpan(span));
    }

    /**
     * A span of the job whose trace is {@code jobTrace}: a child of the current span when that is in the job's
     * trace already (a listener that received the job's message), else of the job's own context (a background pass
     * that works on many jobs).
     */
    public Scope inJob(String name, @Nullable String jobTrace) {
        String current = traceparent();
        boolean inIt = current != null && current.regionMatches(3, String.valueOf(jobTrace), 3, 32);
        return start(name, inIt ? null : jobTrace);
    }

    /** A started span in scope; closing it ends the span and restores what was current before. */
    public static final class Scope implements AutoCloseable {
        private final Span span;
        private final Tracer.SpanInScope inScope;

        private Scope(Span span, Tracer.SpanInScope inScope) {
            this.span = span;
            this.inScope = inScope;
        }

        public Scope tag(String key, String value) {
            span.tag(key, value);
            return this;
        }

        public void error(Throwable error) {
            span.error(error);
        }

        @Override
        public void close() {
            inScope.close();
            span.end();
        }
    }
}
