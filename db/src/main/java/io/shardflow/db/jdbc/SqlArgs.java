package io.shardflow.db.jdbc;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Positional statement arguments some of which may be null (a column without a value): {@code JdbcClient}'s
 * {@code params(Object...)} does not take nulls, its {@code params(List)} does.
 */
public final class SqlArgs {
    private SqlArgs() {}

    public static List<@Nullable Object> of(@Nullable Object... values) {
        return Arrays.asList(values);
    }
}
