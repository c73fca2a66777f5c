package io.shardflow.core;

import org.jspecify.annotations.Nullable;

/** A request or spec that breaks a rule; {@link #field()} names the offending field as a JSON path. */
public class InvalidSpecException extends IllegalArgumentException {
    private final String field;

    public InvalidSpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return String.valueOf(getMessage()).substring(field.length() + 2);
    }

    /** The same problem, seen from a containing object: {@code layers[0].weight} becomes {@code parameters.layers[0].weight}. */
    public InvalidSpecException under(String parent) {
        return new InvalidSpecException(parent + "." + field, reason());
    }

    @Contract("false, _, _ -> fail")
    public static void require(boolean condition, String field, String message) {
        if (!condition) {
            throw new InvalidSpecException(field, message);
        }
    }

    /**
     * A value the request must give: a missing one says so, the same way for every field, before any rule about
     * its value could talk about "null".
     */
    @Contract("null, _ -> fail")
    public static void requireGiven(@Nullable Object value, String field) {
        if (value == null) {
            throw new InvalidSpecException(field, "is required");
        }
    }
}
