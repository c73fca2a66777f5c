package io.shardflow.api.security;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.access.ApiKeyRow;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** API keys, for ADMIN keys only (the access rules say so): create (the secret is shown once), list, revoke. */
@RestController
@Tag(name = "access")
@RequestMapping("/api/v1/api-keys")
public class ApiKeyController {
    private final ApiKeys keys;
    private final Callers callers;

    public ApiKeyController(ApiKeys keys, Callers callers) {
        this.keys = keys;
        this.callers = callers;
    }

    /** The body of a new key. */
    public record NewKey(
            @Nullable String name,
            @Nullable String tenant,
            @Nullable List<String> roles) {}

    /** A key as listed: never its secret. */
    public record KeyView(
            UUID id,
            String name,
            String tenant,
            List<String> roles,
            Instant createdAt,
            @Nullable Instant lastUsedAt,
            @Nullable Instant revokedAt) {
        static KeyView of(ApiKeyRow key) {
            return new KeyView(
                    key.id(),
                    key.name(),
                    key.tenant(),
                    key.roles(),
                    key.createdAt(),
                    key.lastUsedAt(),
                    key.revokedAt());
        }
    }

    /** A new key with its secret: the only time the secret is shown. */
    public record CreatedKey(UUID id, String key, String name, String tenant, List<String> roles, Instant createdAt) {}

    @Operation(summary = "Create an API key", description = "201 with the key's secret, which is never shown again.")
    @PostMapping
    public ResponseEntity<CreatedKey> create(@RequestBody NewKey body, HttpServletRequest request) {
        InvalidSpecException.require(body.name() != null, "name", "is required");
        InvalidSpecException.require(body.tenant() != null, "tenant", "is required");
        InvalidSpecException.require(body.roles() != null, "roles", "is required: SUBMITTER, OPERATOR or ADMIN");
        var created = keys.create(callers.of(request), body.name(), body.tenant(), roles(body.roles()));
        var key = created.key();
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create("/api/v1/api-keys/" + key.id()))
                .body(new CreatedKey(
                        key.id(), created.secret(), key.name(), key.tenant(), key.roles(), key.createdAt()));
    }

    @Operation(summary = "List API keys, revoked ones included, without their secrets")
    @GetMapping
    public List<KeyView> list() {
        return keys.list().stream().map(KeyView::of).toList();
    }

    @Operation(summary = "Revoke an API key", description = "Every process refuses it within a second.")
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> revoke(@PathVariable UUID id, HttpServletRequest request) {
        if (!keys.revoke(callers.of(request), id)) {
            throw new NotFoundException("active API key", id);
        }
        return ResponseEntity.noContent().build();
    }

    private static Set<Role> roles(List<String> names) {
        var roles = EnumSet.noneOf(Role.class);
        for (int i = 0; i < names.size(); i++) {
            var name = String.valueOf(names.get(i)).strip().toUpperCase(Locale.ROOT);
            try {
                roles.add(Role.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException(
                        "roles[" + i + "]", "'" + names.get(i) + "' is no role: SUBMITTER, OPERATOR or ADMIN");
            }
        }
        return roles;
    }
}
