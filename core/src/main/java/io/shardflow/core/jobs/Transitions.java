package io.shardflow.core.jobs;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * SQL for the status columns, made from the enums' transition tables so that a {@code status in (...)} clause can
 * only say what the enum says.
 */
public final class Transitions {
    private Transitions() {}

    /** The statuses of {@code type} from which {@code canMoveTo} reaches a status, in declaration order. */
    public static <E extends Enum<E>> Set<E> sources(Class<E> type, Predicate<E> canMoveTo) {
        var sources = EnumSet.noneOf(type);
        for (var s : type.getEnumConstants()) {
            if (canMoveTo.test(s)) {
                sources.add(s);
            }
        }
        return sources;
    }

    /** {@code status in ('A', 'B')}, for a column named {@code column}; an empty set matches nothing. */
    public static String in(String column, Set<? extends Enum<?>> statuses) {
        if (statuses.isEmpty()) {
            return "false";
        }
        return column + " in ("
                + statuses.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", ")) + ")";
    }
}
