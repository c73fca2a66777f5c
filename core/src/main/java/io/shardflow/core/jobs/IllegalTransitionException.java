package io.shardflow.core.jobs;

/** A state change that the entity's transition table forbids. */
public class IllegalTransitionException extends IllegalStateException {
    public IllegalTransitionException(String entity, Enum<?> from, Enum<?> to) {
        super("illegal " + entity + " transition " + from + " -> " + to);
    }
}
