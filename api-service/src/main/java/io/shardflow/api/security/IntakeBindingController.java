package io.shardflow.api.security;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.access.IntakeBindings;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
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

/**
 * Which tenant job requests from Kafka act for, for ADMIN keys: a CloudEvent {@code source} prefix bound to a
 * tenant. Events from an unbound source are rejected.
 */
@RestController
@Tag(name = "access")
@RequestMapping("/api/v1/intake-bindings")
public class IntakeBindingController {
    private final IntakeBindings bindings;
    private final Callers callers;
    private final Audit audit;

    public IntakeBindingController(IntakeBindings bindings, Callers callers, Audit audit) {
        this.bindings = bindings;
        this.callers = callers;
        this.audit = audit;
    }

    /** The body of a binding. */
    public record NewBinding(
            @Nullable String source, @Nullable String tenant) {}

    @Operation(
            summary = "Bind a CloudEvent source (a prefix) to a tenant",
            description = "Job requests whose source starts with it act for the tenant; the longest prefix wins.")
    @PostMapping
    public ResponseEntity<IntakeBindings.Binding> bind(@RequestBody NewBinding body, HttpServletRequest request) {
        var source = body.source();
        var tenant = body.tenant();
        InvalidSpecException.requireGiven(source, "source");
        InvalidSpecException.requireGiven(tenant, "tenant");
        InvalidSpecException.require(
                !source.isBlank() && source.length() <= 500, "source", "must be 1..500 characters");
        InvalidSpecException.require(
                ApiKeys.TENANT.matcher(tenant).matches(),
                "tenant",
                "must be 1..63 letters, digits, '.', '-' or '_', starting with a letter or digit");
        var binding = bindings.bind(source.strip(), tenant);
        audit.record(callers.of(request), "intake-binding.bind", tenant, binding.source(), null);
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create("/api/v1/intake-bindings/" + binding.id()))
                .body(binding);
    }

    @GetMapping
    public List<IntakeBindings.Binding> list() {
        return bindings.list();
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<Void> unbind(@PathVariable UUID id, HttpServletRequest request) {
        if (!bindings.unbind(id)) {
            throw new NotFoundException("intake binding", id);
        }
        audit.record(callers.of(request), "intake-binding.unbind", null, id.toString(), null);
        return ResponseEntity.noContent().build();
    }
}
