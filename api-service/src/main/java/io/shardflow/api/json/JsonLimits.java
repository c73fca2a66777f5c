package io.shardflow.api.json;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;
import tools.jackson.core.StreamReadConstraints;

/**
 * Limits on the JSON bodies the API reads ({@code shardflow.api.json.*}); a body past one is a 400 that names it.
 * The defaults leave room for real requests: a model registered with its parameters inline is a long document of
 * short numbers, a generation request a list of prompts that are long strings; neither nests deeper than a few
 * levels.
 *
 * @param maxNestingDepth the deepest nesting of objects and arrays
 * @param maxStringLength the longest string value, in characters (a prompt, a name)
 * @param maxNumberLength the longest number, in characters
 * @param maxDocumentLength the longest JSON body (0: no limit of its own)
 */
@Validated
@ConfigurationProperties("shardflow.api.json")
public record JsonLimits(
        @DefaultValue("64") @Min(8) @Max(10_000) int maxNestingDepth,
        @DefaultValue("1000000") @Min(1_000) int maxStringLength,
        @DefaultValue("100") @Min(32) @Max(100_000) int maxNumberLength,
        @DefaultValue("256MB") DataSize maxDocumentLength) {
    public static final String PREFIX = "shardflow.api.json.";

    StreamReadConstraints constraints() {
        return StreamReadConstraints.builder()
                .maxNestingDepth(maxNestingDepth)
                .maxStringLength(maxStringLength)
                .maxNumberLength(maxNumberLength)
                .maxDocumentLength(maxDocumentLength.toBytes())
                .build();
    }
}
