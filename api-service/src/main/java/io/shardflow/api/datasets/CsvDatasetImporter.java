package io.shardflow.api.datasets;

import io.shardflow.api.ApiSettings;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads a CSV with a header row of column names and numeric values, one chunk of rows at a time, into
 * columnar float32 chunks. Memory holds one chunk, whatever the file's size. Any bad value rejects the whole
 * upload with its row and column; nothing of it is stored.
 */
@Service
public class CsvDatasetImporter {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
        .setHeader().setSkipHeaderRecord(true).setTrim(true).setIgnoreEmptyLines(true).get();

    private final DatasetRepository datasets;
    private final TransactionTemplate tx;
    private final ApiSettings settings;

    public CsvDatasetImporter(DatasetRepository datasets, TransactionTemplate tx, ApiSettings settings) {
        this.datasets = datasets;
        this.tx = tx;
        this.settings = settings;
    }

    public DatasetRow importCsv(String tenant, String name, InputStream body) {
        InvalidSpecException.require(name != null && !name.isBlank() && name.length() <= 200, "name",
            "is required, 1 to 200 characters");
        var id = UUID.randomUUID();
        tx.executeWithoutResult(s -> {
            try (Reader reader = withoutByteOrderMark(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
                 CSVParser parser = CSVParser.parse(reader, FORMAT)) {
                var columns = header(parser);
                int chunkRows = settings.datasetChunkRows();
                datasets.create(id, tenant, name.strip(), "csv", columns, chunkRows);
                long rows = readChunks(parser, id, columns, chunkRows);
                datasets.setRowCount(id, rows);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (IllegalArgumentException | IllegalStateException e) {
                if (e instanceof InvalidSpecException) {
                    throw e;
                }
                // commons-csv reports malformed input this way
                throw new InvalidSpecException("body", "is not valid CSV: " + e.getMessage());
            }
        });
        return datasets.find(id).orElseThrow();
    }

    /** Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of the first column's name. */
    private static Reader withoutByteOrderMark(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
        return reader;
    }

    private static List<String> header(CSVParser parser) {
        var names = parser.getHeaderNames();
        InvalidSpecException.require(names != null && !names.isEmpty(), "body", "needs a header row naming the columns");
        var seen = new HashSet<String>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            InvalidSpecException.require(n != null && !n.isBlank(), "body", "header column " + (i + 1) + " has no name");
            InvalidSpecException.require(seen.add(n), "body", "header names column '" + n + "' twice");
        }
        return List.copyOf(names);
    }

    private long readChunks(CSVParser parser, UUID id, List<String> columns, int chunkRows) {
        var chunk = new float[columns.size()][chunkRows];
        int filled = 0;
        int chunkIndex = 0;
        long rows = 0;
        for (CSVRecord record : parser) {
            if (record.size() != columns.size()) {
                throw new InvalidSpecException("body", "row " + (rows + 1) + " has " + record.size() + " values, the header has "
                    + columns.size());
            }
            for (int c = 0; c < columns.size(); c++) {
                chunk[c][filled] = parse(record.get(c), rows + 1, columns.get(c));
            }
            filled++;
            rows++;
            if (filled == chunkRows) {
                datasets.appendChunk(id, chunkIndex++, rows - filled, filled, chunk);
                filled = 0;
            }
        }
        if (filled > 0) {
            datasets.appendChunk(id, chunkIndex, rows - filled, filled, chunk);
        }
        return rows;
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
        throw new InvalidSpecException("body", "row " + row + ", column '" + column + "': '" + text + "' is not a finite number");
    }
}
