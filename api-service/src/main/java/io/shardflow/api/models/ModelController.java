package io.shardflow.api.models;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.limits.Limits;
import io.shardflow.api.limits.StorageQuota;
import io.shardflow.api.security.Callers;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "models")
@RequestMapping("/api/v1/models")
public class ModelController {
    private final ModelRepository models;
    private final Callers callers;
    private final ApiSettings settings;
    private final TransactionTemplate tx;
    private final Limits limits;
    private final StorageQuota quota;
    private final ModelDeletion deletion;

    public ModelController(
            ModelRepository models,
            Callers callers,
            ApiSettings settings,
            TransactionTemplate tx,
            Limits limits,
            StorageQuota quota,
            ModelDeletion deletion) {
        this.deletion = deletion;
        this.models = models;
        this.callers = callers;
        this.settings = settings;
        this.tx = tx;
        this.limits = limits;
        this.quota = quota;
    }

    /**
     * Registers a model: with explicit parameters (each shape checked against the architecture first), or with
     * {@code init.seed}, random weights streamed into the registry a tile at a time in short transactions, seen by
     * nobody until the last is in. Either way the size is checked against the parameter limit and the tenant's
     * storage from the architecture alone, before anything is built or stored.
     */
    @PostMapping
    public ResponseEntity<ModelView> register(@RequestBody ModelRequest body, HttpServletRequest request) {
        var id = UUID.randomUUID();
        String tenant = callers.of(request).tenant();
        var architecture = body.architecture();
        limits.checkModel(architecture, "architecture");
        var budget = quota.check(tenant, "architecture", architecture.parameterBytes());
        var init = body.init();
        if (init != null) {
            models.createSeeded(
                    id, tenant, body.name().strip(), architecture, init.seed(), limits.registrationDeadline());
            budget.stored();
            return ResponseEntity.created(URI.create("/api/v1/models/" + id))
                    .body(ModelView.of(models.find(id).orElseThrow()));
        }
        var parameters = switch (architecture) {
            case DenseArchitecture dense ->
                ModelParameters.named(body.requireParameters().toLayers(dense));
            case GptArchitecture gpt -> body.requireParameters().toTensors(gpt);
        };
        var preprocessing = body.preprocessing() == null || body.preprocessing().standardize() == null
                ? null
                : body.preprocessing();
        // explicit parameters came in one JSON body, so they are as small as the request limit: one transaction
        tx.executeWithoutResult(s -> models.create(
                id,
                tenant,
                body.name().strip(),
                architecture,
                parameters,
                new ModelRepository.Lineage(null, null, null, preprocessing)));
        budget.stored();
        return ResponseEntity.created(URI.create("/api/v1/models/" + id))
                .body(ModelView.of(models.find(id).orElseThrow()));
    }

    @GetMapping("/{id}")
    public ModelView get(@PathVariable UUID id, HttpServletRequest request) {
        return ModelView.of(find(id, request));
    }

    /** The model as the body {@code POST /api/v1/models} takes: parameters, architecture and preprocessing. */
    @GetMapping("/{id}/parameters")
    public ParameterExport parameters(@PathVariable UUID id, HttpServletRequest request) {
        var model = find(id, request);
        return ParameterExport.of(model, models.loadNamed(model));
    }

    private ModelRow find(UUID id, HttpServletRequest request) {
        var caller = callers.of(request);
        return models.find(id)
                .filter(m -> caller.sees(m.tenant()))
                .orElseThrow(() -> new NotFoundException("model", id));
    }

    @Operation(
            summary = "Delete a model",
            description = "204; its parameters go with it. 409 while a job that has not ended runs it.")
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable UUID id, HttpServletRequest request) {
        deletion.delete(callers.of(request), id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping
    public List<ModelView> list(
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) int size,
            HttpServletRequest request) {
        return models.list(callers.of(request).tenant(), page, Math.min(size, settings.maxPageSize())).stream()
                .map(ModelView::of)
                .toList();
    }
}
