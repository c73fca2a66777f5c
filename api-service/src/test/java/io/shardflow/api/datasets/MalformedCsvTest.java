package io.shardflow.api.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.junit.jupiter.api.Test;

/** commons-csv's complaints, from the real parser, in the words an upload's 400 uses. */
class MalformedCsvTest {
    private static String complaint(String csv) throws IOException {
        try (var parser = CSVParser.parse(new StringReader(csv), CSVFormat.DEFAULT)) {
            parser.forEach(record -> {});
        } catch (CSVException e) {
            return DatasetImporter.malformed(e).getMessage();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof CSVException csv2) {
                return DatasetImporter.malformed(csv2).getMessage();
            }
            throw e;
        }
        return fail("parsed without complaint: " + csv);
    }

    @Test
    void anUnclosedQuoteNamesTheLineItOpensOn() throws IOException {
        assertThat(complaint("a,b\n\"1,2\n3,4\n"))
                .isEqualTo("body: is not valid CSV: the quote opened on line 2 is never closed");
    }

    @Test
    void aCharacterAfterAClosingQuoteNamesItsLine() throws IOException {
        assertThat(complaint("a,b\n1,2\n\"3\"x,4\n"))
                .startsWith("body: is not valid CSV: line 3 has a character after a closing quote");
    }
}
