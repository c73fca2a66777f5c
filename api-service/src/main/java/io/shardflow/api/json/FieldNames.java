package io.shardflow.api.json;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The known field a misspelt one most likely meant. */
final class FieldNames {
    private FieldNames() {}

    /**
     * The known name nearest to {@code name} by edit distance, ignoring case, when it is near enough to be a slip
     * (at most a third of the name's letters, never more than 3, always 1); the first of equals wins; null when none
     * is.
     */
    static @Nullable String closest(String name, List<String> known) {
        String wanted = name.toLowerCase(Locale.ROOT);
        int allowed = Math.max(1, Math.min(3, name.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(wanted, candidate.toLowerCase(Locale.ROOT));
            if (d <= allowed && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance: the fewest insertions, deletions and substitutions that turn one into the other. */
    static int distance(String a, String b) {
        var previous = new int[b.length() + 1];
        var current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            var swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
