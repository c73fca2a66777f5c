package io.shardflow.api.quotas;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Callers;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Tenants' quotas, for ADMIN keys only (the access rules say so). */
@RestController
@Tag(name = "tenants")
@RequestMapping("/api/v1/tenants/{tenant}/quota")
public class QuotaController {
    private final Quotas quotas;
    private final Callers callers;

    public QuotaController(Quotas quotas, Callers callers) {
        this.quotas = quotas;
        this.callers = callers;
    }

    @Operation(
            summary = "A tenant's quota and its use now",
            description = "source is 'tenant' for a quota of its own, 'default' for shardflow.quotas.*; use counts "
                    + "running shards, jobs not yet ended and stored bytes.")
    @GetMapping
    public QuotaView get(@PathVariable String tenant) {
        return quotas.view(tenant);
    }

    @Operation(
            summary = "Set a tenant's quota",
            description = "Body {maxRunningShards, maxQueuedJobs, weight, maxStorageBytes}, replacing the tenant's "
                    + "previous quota: caps at least 1 or null for none (maxStorageBytes null: the configured "
                    + "limit), weight in (0, 1000].")
    @PutMapping
    public QuotaView put(@PathVariable String tenant, @RequestBody QuotaRequest body, HttpServletRequest request) {
        return quotas.put(callers.of(request), tenant, body);
    }

    @Operation(summary = "Put a tenant back on the default quota", description = "404 when it has none of its own.")
    @DeleteMapping
    public ResponseEntity<Void> reset(@PathVariable String tenant, HttpServletRequest request) {
        if (!quotas.reset(callers.of(request), tenant)) {
            throw new NotFoundException("quota of tenant", tenant);
        }
        return ResponseEntity.noContent().build();
    }
}
