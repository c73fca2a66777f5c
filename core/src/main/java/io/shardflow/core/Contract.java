package io.shardflow.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a method's result says about its arguments, in the notation null checkers read ({@code "false, _, _ -> fail"}:
 * when the first argument is false the method throws), so a check such as {@code require(x != null, ...)} tells
 * NullAway that {@code x} is not null after it.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Contract {
    String value();
}
