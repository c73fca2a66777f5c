package io.shardflow.standalone;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An OTLP/HTTP trace receiver, as a collector's is: the services under test export their spans to it (protobuf on
 * {@code POST /v1/traces}), and the test reads them back with the service that sent each.
 */
final class OtlpReceiver implements AutoCloseable {
    /** A received span: the {@code service.name} of its process, its trace, its own and its parent's ids, its name. */
    record Span(String service, String traceId, String spanId, String parentId, String name) {}

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() {
        try {
            var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            var receiver = new OtlpReceiver(server);
            server.createContext("/v1/traces", exchange -> {
                try (exchange) {
                    receiver.read(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody()));
                    byte[] answer =
                            ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                    exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            });
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(ExportTraceServiceRequest request) {
        var hex = HexFormat.of();
        for (var resource : request.getResourceSpansList()) {
            String service = resource.getResource().getAttributesList().stream()
                    .filter(a -> a.getKey().equals("service.name"))
                    .map(a -> a.getValue().getStringValue())
                    .findFirst()
                    .orElse("");
            for (var scope : resource.getScopeSpansList()) {
                for (var span : scope.getSpansList()) {
                    spans.add(new Span(
                            service,
                            hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()),
                            hex.formatHex(span.getParentSpanId().toByteArray()),
                            span.getName()));
                }
            }
        }
    }

    /** Where the services send their spans: {@code management.otlp.tracing.endpoint}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    /** The spans of one trace received so far. */
    List<Span> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /** What came, for a failure's message: spans per service, and the traces of the last few. */
    String summary() {
        var byService = spans.stream()
                .collect(java.util.stream.Collectors.groupingBy(
                        Span::service, java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        var last = spans.stream()
                .skip(Math.max(0, spans.size() - 30))
                .map(Span::toString)
                .toList();
        return "spans by service: " + byService + "\nlast:\n" + String.join("\n", last);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
