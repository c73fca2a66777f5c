package io.shardflow.core.datasets;

import java.util.List;

/** What checking a job against a dataset needs to know of it: its name, format, size and columns. */
public interface DatasetShape {
    String name();

    DatasetFormat format();

    /** Rows of a table; bytes of a text. */
    long rows();

    /** Column names in file order ({@code byte} for a text). */
    List<String> columns();

    /** The index of {@code column}, or -1 when the dataset has no such column. */
    default int columnIndex(String column) {
        return columns().indexOf(column);
    }
}
