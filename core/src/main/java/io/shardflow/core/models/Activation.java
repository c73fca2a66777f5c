package io.shardflow.core.models;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The nonlinearity between dense layers; none follows the last layer. */
public enum Activation {
    @JsonProperty("relu")
    RELU,
    @JsonProperty("tanh")
    TANH,
    @JsonProperty("sigmoid")
    SIGMOID,
    @JsonProperty("identity")
    IDENTITY
}
