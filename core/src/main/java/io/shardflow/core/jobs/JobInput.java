package io.shardflow.core.jobs;

import static io.shardflow.core.InvalidSpecException.require;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Inputs sent inline with the job instead of a dataset: {@code prompts} for a gpt, or feature {@code rows} for a
 * linear or mlp model. Meant for small requests (the synchronous endpoints); large inputs belong in a dataset.
 */
public record JobInput(
        @Nullable List<String> prompts, @Nullable List<float[]> rows) {
    public static final int MAX_ITEMS = 10_000;

    public JobInput {
        require(prompts == null || rows == null, "prompts", "give prompts or rows, not both");
        require(prompts != null || rows != null, "prompts", "give prompts (gpt) or rows (linear, mlp)");
        if (prompts != null) {
            require(!prompts.isEmpty(), "prompts", "may not be empty");
            require(prompts.size() <= MAX_ITEMS, "prompts", "takes at most " + MAX_ITEMS + ", got " + prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                require(prompts.get(i) != null && !prompts.get(i).isEmpty(), "prompts[" + i + "]", "may not be empty");
            }
            prompts = List.copyOf(prompts);
        }
        if (rows != null) {
            require(!rows.isEmpty(), "rows", "may not be empty");
            require(rows.size() <= MAX_ITEMS, "rows", "takes at most " + MAX_ITEMS + ", got " + rows.size());
            int width = rows.getFirst() == null ? 0 : rows.getFirst().length;
            for (int i = 0; i < rows.size(); i++) {
                float[] row = rows.get(i);
                require(
                        row != null && row.length == width && width > 0,
                        "rows[" + i + "]",
                        "every row needs the same number of values (" + width + "), at least one");
                for (int c = 0; c < row.length; c++) {
                    require(Float.isFinite(row[c]), "rows[" + i + "][" + c + "]", "must be finite");
                }
            }
            rows = List.copyOf(rows);
        }
    }

    public int size() {
        if (prompts != null) {
            return prompts.size();
        }
        return rows == null ? 0 : rows.size();
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (!(o instanceof JobInput other) || !Objects.equals(prompts, other.prompts)) {
            return false;
        }
        if (rows == null || other.rows == null) {
            return rows == null && other.rows == null;
        }
        if (rows.size() != other.rows.size()) {
            return false;
        }
        for (int i = 0; i < rows.size(); i++) {
            if (!Arrays.equals(rows.get(i), other.rows.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(prompts, rows == null ? 0 : rows.size());
    }
}
