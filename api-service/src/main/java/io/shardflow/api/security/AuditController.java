package io.shardflow.api.security;

import io.shardflow.db.access.AuditLog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit log, for ADMIN keys: newest first, a page at a time ({@code before} the last id seen). */
@RestController
@Tag(name = "access")
public class AuditController {
    private final AuditLog log;

    public AuditController(AuditLog log) {
        this.log = log;
    }

    @Operation(summary = "Who did what: keys, operator actions, acts on another tenant's behalf; newest first")
    @GetMapping("/api/v1/audit")
    public List<AuditLog.Entry> list(
            @RequestParam(required = false) @Nullable Long before,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int size) {
        return log.list(before, size);
    }
}
