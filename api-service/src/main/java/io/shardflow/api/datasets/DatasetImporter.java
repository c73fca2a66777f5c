package io.shardflow.api.datasets;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.limits.LimitSettings;
import io.shardflow.api.limits.Limits;
import io.shardflow.api.limits.LineLimitedReader;
import io.shardflow.api.limits.StorageQuota;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an uploaded table of numbers, one chunk of rows at a time, into columnar float32 chunks: CSV with a header
 * row, or JSON Lines (one object per line, the first line's keys are the columns). Any bad value rejects the whole
 * upload with its row and column; nothing of it is stored.
 */
@Service
public class DatasetImporter {
    private static final CSVFormat CSV = CSVFormat.DEFAULT
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setTrim(true)
            .setIgnoreEmptyLines(true)
            .get();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    // commons-csv formats its numbers with the locale's grouping ("1,234"): only the digits count
    private static final Pattern START_LINE = Pattern.compile("\\(startline (.+?)\\)");
    private static final Pattern AT_LINE = Pattern.compile("at line: (.+?), position: (.+)$");

    /** Bytes per stored chunk of a text dataset: the unit a shard reads. */
    static final int TEXT_CHUNK = 65_536;

    private final DatasetRepository datasets;
    private final TransactionTemplate tx;
    private final ApiSettings settings;
    private final Limits limits;
    private final StorageQuota quota;

    public DatasetImporter(
            DatasetRepository datasets,
            TransactionTemplate tx,
            ApiSettings settings,
            Limits limits,
            StorageQuota quota) {
        this.datasets = datasets;
        this.tx = tx;
        this.settings = settings;
        this.limits = limits;
        this.quota = quota;
    }

    /**
     * Stores an upload as it streams in, in one transaction: a value that is not a number, a line or a column count
     * over its limit, or a chunk that would take the tenant past its storage rolls the whole upload back.
     */
    public DatasetRow importTable(String tenant, String name, DatasetFormat format, InputStream body) {
        InvalidSpecException.require(
                name != null && !name.isBlank() && name.length() <= 200, "name", "is required, 1 to 200 characters");
        var id = UUID.randomUUID();
        var budget = quota.budget(tenant, "body");
        if (format == DatasetFormat.TEXT) {
            tx.executeWithoutResult(s -> readText(body, id, tenant, name.strip(), budget));
            budget.stored();
            return datasets.find(id).orElseThrow();
        }
        tx.executeWithoutResult(s -> {
            var lines = new LineLimitedReader(
                    new InputStreamReader(body, StandardCharsets.UTF_8),
                    limits.settings().maxDatasetLineLength(),
                    LimitSettings.MAX_DATASET_LINE_LENGTH);
            try (var reader = withoutByteOrderMark(new BufferedReader(lines))) {
                if (format == DatasetFormat.CSV) {
                    readCsv(reader, id, tenant, name.strip(), budget);
                } else {
                    readJsonLines(reader, id, tenant, name.strip(), budget);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        budget.stored();
        return datasets.find(id).orElseThrow();
    }

    private void readCsv(Reader reader, UUID id, String tenant, String name, StorageQuota.Budget budget)
            throws IOException {
        try (CSVParser parser = CSVParser.parse(reader, CSV)) {
            var columns = checkedColumns(parser.getHeaderNames());
            var writer = new ChunkedDatasetWriter(
                    datasets, id, tenant, name, DatasetFormat.CSV, columns, settings.datasetChunkRows(), budget);
            for (CSVRecord record : parser) {
                if (record.size() != columns.size()) {
                    throw new InvalidSpecException(
                            "body",
                            "row " + writer.nextRowNumber() + " has " + record.size() + " values, the header has "
                                    + columns.size());
                }
                for (int c = 0; c < columns.size(); c++) {
                    writer.set(c, parse(record.get(c), writer.nextRowNumber(), columns.get(c)));
                }
                writer.endRow();
            }
            writer.finish();
        } catch (CSVException e) {
            // the header line is read at once, and fails this way
            throw malformed(e);
        } catch (UncheckedIOException e) {
            // a record is read as the loop asks for it, and fails this way
            if (e.getCause() instanceof CSVException csv) {
                throw malformed(csv);
            }
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e instanceof InvalidSpecException) {
                throw e;
            }
            // commons-csv reports a header it cannot take this way (a repeated or empty name)
            throw new InvalidSpecException("body", "is not valid CSV: " + e.getMessage());
        }
    }

    /**
     * Malformed CSV in words, with the line where it went wrong. commons-csv's messages carry the line in a form
     * of their own: {@code (startline 2) EOF reached before encapsulated token finished}, {@code Invalid character
     * between encapsulated token and delimiter at line: 3, position: 5}.
     */
    static InvalidSpecException malformed(CSVException e) {
        String message = String.valueOf(e.getMessage());
        var start = START_LINE.matcher(message);
        if (message.contains("EOF reached before encapsulated token finished") && start.find()) {
            return new InvalidSpecException(
                    "body",
                    "is not valid CSV: the quote opened on line " + digits(start.group(1)) + " is never closed");
        }
        var at = AT_LINE.matcher(message);
        if (message.startsWith("Invalid character between encapsulated token and delimiter") && at.find()) {
            return new InvalidSpecException(
                    "body",
                    "is not valid CSV: line " + digits(at.group(1))
                            + " has a character after a closing quote (position " + digits(at.group(2))
                            + "); a quote inside a quoted value is written twice");
        }
        return new InvalidSpecException("body", "is not valid CSV: " + message);
    }

    private static String digits(String number) {
        return number.replaceAll("\\D", "");
    }

    private void readJsonLines(BufferedReader reader, UUID id, String tenant, String name, StorageQuota.Budget budget)
            throws IOException {
        ChunkedDatasetWriter writer = null;
        long line = 0;
        for (String text = reader.readLine(); text != null; text = reader.readLine()) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            JsonNode row;
            try {
                row = JSON.readTree(text);
            } catch (JacksonException e) {
                throw new InvalidSpecException(
                        "body",
                        String.valueOf(e.getOriginalMessage()).contains("ALLOW_NON_NUMERIC_NUMBERS")
                                ? "line " + line + " holds NaN or Infinity, which are not JSON numbers"
                                : "line " + line + " is not valid JSON");
            }
            InvalidSpecException.require(row.isObject(), "body", "line " + line + " is not a JSON object");
            if (writer == null) {
                writer = new ChunkedDatasetWriter(
                        datasets,
                        id,
                        tenant,
                        name,
                        DatasetFormat.JSONL,
                        checkedColumns(new ArrayList<>(row.propertyNames())),
                        settings.datasetChunkRows(),
                        budget);
            }
            var columns = writer.columns();
            InvalidSpecException.require(
                    row.size() == columns.size(),
                    "body",
                    "line " + line + " has " + row.size() + " fields, the first line has " + columns.size() + " ("
                            + String.join(", ", columns) + ")");
            for (int c = 0; c < columns.size(); c++) {
                var value = row.get(columns.get(c));
                InvalidSpecException.require(value != null, "body", "line " + line + " lacks '" + columns.get(c) + "'");
                InvalidSpecException.require(
                        value.isNumber() && Float.isFinite(value.floatValue()),
                        "body",
                        "line " + line + ", field '" + columns.get(c) + "': " + value + " is not a finite number");
                writer.set(c, value.floatValue());
            }
            writer.endRow();
        }
        InvalidSpecException.require(writer != null, "body", "has no rows: JSON Lines need at least one object");
        writer.finish();
    }

    /**
     * Stores UTF-8 text as bytes in chunks, checking the encoding as it streams by: a byte sequence that is not
     * UTF-8 rejects the upload with its offset. A character may straddle two chunks; the check does not mind.
     */
    private void readText(InputStream body, UUID id, String tenant, String name, StorageQuota.Budget budget) {
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        var chars = CharBuffer.allocate(TEXT_CHUNK);
        var pending = ByteBuffer.allocate(TEXT_CHUNK + 8);
        datasets.create(id, tenant, name, DatasetFormat.TEXT, List.of("byte"), TEXT_CHUNK);
        var chunk = new byte[TEXT_CHUNK];
        long total = 0;
        int index = 0;
        try {
            while (true) {
                int n = body.readNBytes(chunk, 0, TEXT_CHUNK);
                if (n == 0) {
                    break;
                }
                int carried = pending.position(); // the start of a character the last chunk cut off
                pending.put(chunk, 0, n).flip();
                var result = decoder.decode(pending, chars, false);
                if (result.isError()) {
                    throw new InvalidSpecException(
                            "body", "is not UTF-8 text: bad byte at offset " + (total - carried + pending.position()));
                }
                chars.clear();
                pending.compact();
                budget.spend(n);
                datasets.appendBytes(id, index++, total, chunk, n);
                total += n;
            }
            pending.flip();
            if (decoder.decode(pending, chars, true).isError() || pending.hasRemaining()) {
                throw new InvalidSpecException("body", "is not UTF-8 text: it ends inside a character");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        datasets.setRowCount(id, total);
    }

    /** Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of the first column's name. */
    private static BufferedReader withoutByteOrderMark(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
        return reader;
    }

    private List<String> checkedColumns(List<String> names) {
        InvalidSpecException.require(
                names != null && !names.isEmpty(), "body", "needs a header row naming the columns");
        limits.checkColumns(names.size());
        var seen = new HashSet<String>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            InvalidSpecException.require(n != null && !n.isBlank(), "body", "column " + (i + 1) + " has no name");
            InvalidSpecException.require(seen.add(n), "body", "names column '" + n + "' twice");
        }
        return List.copyOf(names);
    }

    private static float parse(String text, long row, String column) {
        try {
            float value = Float.parseFloat(text);
            if (Float.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidSpecException(
                "body", "row " + row + ", column '" + column + "': '" + text + "' is not a finite number");
    }
}
