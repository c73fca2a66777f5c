package io.shardflow.api.datasets;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Callers;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.db.datasets.DatasetRepository;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Min;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "datasets")
@RequestMapping("/api/v1/datasets")
public class DatasetController {
    private final DatasetImporter importer;
    private final DatasetRepository datasets;
    private final Callers callers;
    private final ApiSettings settings;

    public DatasetController(
            DatasetImporter importer, DatasetRepository datasets, Callers callers, ApiSettings settings) {
        this.importer = importer;
        this.datasets = datasets;
        this.callers = callers;
        this.settings = settings;
    }

    @Operation(
            summary = "Upload a dataset of numbers",
            description =
                    "CSV (text/csv) with a header row, or JSON Lines (application/x-ndjson, or format=jsonl): one "
                            + "object per line whose keys are the columns; or UTF-8 text (format=text, text/plain), stored as bytes.")
    @PostMapping(
            consumes = {
                "text/csv",
                "application/csv",
                "text/plain",
                "application/x-ndjson",
                "application/jsonl",
                "application/json-lines"
            })
    public ResponseEntity<DatasetView> upload(
            @RequestParam String name,
            @RequestParam(required = false) @Nullable String format,
            HttpServletRequest request)
            throws IOException {
        var dataset = importer.importTable(
                callers.of(request).tenant(),
                name,
                formatOf(format, request.getContentType()),
                request.getInputStream());
        return ResponseEntity.created(URI.create("/api/v1/datasets/" + dataset.id()))
                .body(DatasetView.of(dataset));
    }

    private static DatasetFormat formatOf(@Nullable String format, @Nullable String contentType) {
        if (format != null) {
            return switch (format.strip().toLowerCase(Locale.ROOT)) {
                case "csv" -> DatasetFormat.CSV;
                case "jsonl", "ndjson", "json-lines" -> DatasetFormat.JSONL;
                case "text" -> DatasetFormat.TEXT;
                default -> throw new InvalidSpecException("format", "'" + format + "' is not one of csv, jsonl, text");
            };
        }
        boolean jsonLines = contentType != null
                && (contentType.contains("ndjson")
                        || contentType.contains("jsonl")
                        || contentType.contains("json-lines"));
        return jsonLines ? DatasetFormat.JSONL : DatasetFormat.CSV;
    }

    @GetMapping("/{id}")
    public DatasetView get(@PathVariable UUID id, HttpServletRequest request) {
        var caller = callers.of(request);
        return datasets.find(id)
                .filter(d -> caller.sees(d.tenant()))
                .map(DatasetView::of)
                .orElseThrow(() -> new NotFoundException("dataset", id));
    }

    @GetMapping
    public List<DatasetView> list(
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) int size,
            HttpServletRequest request) {
        return datasets.list(callers.of(request).tenant(), page, Math.min(size, settings.maxPageSize())).stream()
                .map(DatasetView::of)
                .toList();
    }
}
