package io.shardflow.core.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.shardflow.core.InvalidSpecException;
import java.util.Locale;

/** The optimisers the aggregator applies: SGD with optional momentum, and Adam. */
public enum OptimizerKind {
    SGD,
    ADAM;

    @JsonCreator
    public static OptimizerKind parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidSpecException("optimizer", "'" + name + "' is not one of sgd, adam");
        }
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
