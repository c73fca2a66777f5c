package io.shardflow.api.models;

import static io.shardflow.core.InvalidSpecException.require;

import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ParameterSpec;

/** The body of {@code POST /api/v1/models}: a name, a built-in architecture and its explicit parameters. */
public record ModelRequest(String name, ModelArchitecture architecture, ParameterSpec parameters) {
    public ModelRequest {
        require(name != null && !name.isBlank() && name.length() <= 200, "name", "is required, 1 to 200 characters");
        require(architecture != null, "architecture", "is required");
        require(parameters != null, "parameters", "is required");
    }
}
