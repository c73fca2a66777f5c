package io.shardflow.api.models;

import static io.shardflow.core.InvalidSpecException.require;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ParameterSpec;
import io.shardflow.core.training.Preprocessing;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/v1/models}: a name, a built-in architecture and its explicit parameters, and
 * optionally the input standardisation it was trained with. {@code GET /api/v1/models/{id}/parameters} returns
 * exactly this shape, so a model moves between installations.
 */
public record ModelRequest(
        String name,
        ModelArchitecture architecture,
        @Nullable ParameterSpec parameters,
        @Nullable Preprocessing preprocessing,
        @Nullable Init init) {

    /** Seeded random initialisation, for a model registered from its architecture alone. */
    public record Init(Long seed) {
        public Init {
            require(seed != null, "seed", "is required");
        }
    }

    public ModelRequest {
        require(name != null && !name.isBlank() && name.length() <= 200, "name", "is required, 1 to 200 characters");
        require(architecture != null, "architecture", "is required");
        require(
                parameters != null || init != null,
                "parameters",
                "is required (or \"init\":{\"seed\":N} for random weights)");
        require(parameters == null || init == null, "init", "give parameters or init, not both");
        if (preprocessing != null && preprocessing.standardize() != null) {
            require(
                    architecture instanceof DenseArchitecture,
                    "preprocessing",
                    "a gpt reads bytes and takes no standardisation");
            var scaling = preprocessing.standardize();
            int inputs = ((DenseArchitecture) architecture).inputs();
            require(
                    scaling.mean() != null && scaling.mean().length == inputs,
                    "preprocessing.standardize.mean",
                    "needs one value per input (" + inputs + ")");
            require(
                    scaling.std() != null && scaling.std().length == inputs,
                    "preprocessing.standardize.std",
                    "needs one value per input (" + inputs + ")");
            for (int i = 0; i < inputs; i++) {
                require(
                        Float.isFinite(scaling.mean()[i]),
                        "preprocessing.standardize.mean[" + i + "]",
                        "must be finite");
                require(
                        Float.isFinite(scaling.std()[i]) && scaling.std()[i] > 0,
                        "preprocessing.standardize.std[" + i + "]",
                        "must be finite and > 0");
            }
        }
    }

    /** The explicit parameters of a request without {@code init}, which the constructor made sure it has. */
    public ParameterSpec requireParameters() {
        if (parameters == null) {
            throw new IllegalStateException("the request has init, not parameters");
        }
        return parameters;
    }
}
