package io.shardflow.api.security;

import io.shardflow.db.access.ApiKeyRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The first ADMIN key. With {@code shardflow.security.bootstrap-admin-key} (a secret from the operator's secret store)
 * that key is made to exist; with {@code shardflow.security.admin-key-file} and no ADMIN key yet, one is created and
 * written to that file (mode 600, the key alone on one line), and its path is logged, never the key.
 */
@Component
class BootstrapAdminKey implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(BootstrapAdminKey.class);
    private static final Caller FIRST_START = Caller.of("system", "first start", "default", Set.of(Role.ADMIN));

    private final SecuritySettings settings;
    private final ApiKeyRepository keys;
    private final Audit audit;
    private final TransactionTemplate tx;

    BootstrapAdminKey(SecuritySettings settings, ApiKeyRepository keys, Audit audit, TransactionTemplate tx) {
        this.settings = settings;
        this.keys = keys;
        this.audit = audit;
        this.tx = tx;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!settings.enabled()) {
            return;
        }
        var given = settings.bootstrapAdminKey();
        if (given != null && !given.isBlank()) {
            ensure(given.strip());
        }
        var file = settings.adminKeyFile();
        if (file != null) {
            createFirst(file);
        }
    }

    private void ensure(String secret) {
        if (secret.length() < 24) {
            throw new IllegalStateException("shardflow.security.bootstrap-admin-key must be at least 24 characters of a"
                    + " random secret (for example: openssl rand -base64 32)");
        }
        tx.executeWithoutResult(s -> {
            keys.lockBootstrap();
            var hash = ApiKeySecrets.hash(secret);
            if (keys.findActive(hash).isEmpty()) {
                var key =
                        keys.create(UUID.randomUUID(), "bootstrap admin", "default", List.of(Role.ADMIN.name()), hash);
                audit.record(FIRST_START, "api-key.create", "default", key.id().toString(), "bootstrap admin key");
                log.info("the bootstrap admin key (shardflow.security.bootstrap-admin-key) is registered");
            }
        });
    }

    private void createFirst(Path file) {
        var secret = tx.execute(s -> {
            keys.lockBootstrap();
            if (keys.anyActiveWithRole(Role.ADMIN.name())) {
                return null;
            }
            var generated = ApiKeySecrets.generate();
            var key = keys.create(
                    UUID.randomUUID(),
                    "first admin",
                    "default",
                    List.of(Role.ADMIN.name()),
                    ApiKeySecrets.hash(generated));
            audit.record(FIRST_START, "api-key.create", "default", key.id().toString(), "first admin key, in " + file);
            return generated;
        });
        if (secret == null) {
            return;
        }
        write(file, secret);
        log.info(
                "created the first ADMIN API key (tenant 'default'); it is in {} (readable by this user only). "
                        + "Use it as: Authorization: Bearer $(cat {})",
                file,
                file);
    }

    private static void write(Path file, String secret) {
        try {
            var parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
            Files.writeString(file, secret + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the first admin key to " + file, e);
        }
    }
}
