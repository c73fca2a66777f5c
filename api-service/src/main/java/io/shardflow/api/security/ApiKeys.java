package io.shardflow.api.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.access.ApiKeyRepository;
import io.shardflow.db.access.ApiKeyRow;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * API keys: created with a secret shown once, recognised by the secret's hash, revoked for good. What a process read
 * of a key is trusted for {@code shardflow.security.key-cache} (1 s): a revoked key stops working in every process
 * within it, and a busy key costs one database read a second, not one per request.
 */
@Component
public class ApiKeys {
    /** Tenants are names people type: letters, digits, dot, dash and underscore. */
    public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final ApiKeyRepository keys;
    private final Audit audit;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Cache<ByteBuffer, Optional<ApiKeyRow>> recent;
    private final Cache<String, Boolean> active;
    private final Map<UUID, Instant> touched = new ConcurrentHashMap<>();

    public ApiKeys(ApiKeyRepository keys, Audit audit, TransactionTemplate tx, Clock clock, SecuritySettings settings) {
        this.keys = keys;
        this.audit = audit;
        this.tx = tx;
        this.clock = clock;
        this.recent = Caffeine.newBuilder()
                .expireAfterWrite(settings.keyCache())
                .maximumSize(100_000)
                .build();
        this.active = Caffeine.newBuilder()
                .expireAfterWrite(settings.keyCache())
                .maximumSize(100_000)
                .build();
    }

    /** A new key and its secret, which is never shown again. */
    public record Created(ApiKeyRow key, String secret) {}

    public Created create(Caller by, String name, String tenant, Set<Role> roles) {
        InvalidSpecException.require(!name.isBlank() && name.length() <= 200, "name", "must be 1..200 characters");
        InvalidSpecException.require(
                TENANT.matcher(tenant).matches(),
                "tenant",
                "must be 1..63 letters, digits, '.', '-' or '_', starting with a letter or digit");
        InvalidSpecException.require(!roles.isEmpty(), "roles", "must name at least one of SUBMITTER, OPERATOR, ADMIN");
        var secret = ApiKeySecrets.generate();
        var row = tx.execute(s -> {
            var created = keys.create(
                    UUID.randomUUID(),
                    name.strip(),
                    tenant,
                    EnumSet.copyOf(roles).stream().map(Role::name).toList(),
                    ApiKeySecrets.hash(secret));
            audit.record(by, "api-key.create", tenant, created.id().toString(), "roles " + created.roles());
            return created;
        });
        return new Created(Objects.requireNonNull(row), secret);
    }

    /** The caller a key stands for; empty when it is unknown or revoked. */
    public Optional<Caller> authenticate(String secret) {
        var hash = ApiKeySecrets.hash(secret);
        var cached = ByteBuffer.wrap(hash);
        var row = recent.getIfPresent(cached);
        if (row == null) {
            // read outside the cache's lock: while the database is away, each request fails on its own after
            // Hikari's connection-timeout, not one after another behind the same key's read
            row = keys.findActive(hash);
            recent.put(cached, row);
        }
        return row.map(key -> {
            touch(key.id());
            return callerOf(key);
        });
    }

    /**
     * Whether the key behind a caller that logged in earlier (the dashboard's session) is still valid; callers that
     * are no API key (a JWT's, security off) always are.
     */
    public boolean stillActive(Caller caller) {
        UUID id;
        try {
            id = UUID.fromString(caller.id());
        } catch (IllegalArgumentException notAKey) {
            return true;
        }
        var valid = active.getIfPresent(caller.id());
        if (valid == null) {
            valid = keys.find(id).map(key -> !key.revoked()).orElse(false); // outside the cache's lock, as above
            active.put(caller.id(), valid);
        }
        return valid;
    }

    public List<ApiKeyRow> list() {
        return keys.list();
    }

    /** Revokes a key; every process stops accepting it within {@code key-cache}. */
    public boolean revoke(Caller by, UUID id) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            var key = keys.find(id);
            if (key.isEmpty() || !keys.revoke(id)) {
                return false;
            }
            audit.record(
                    by,
                    "api-key.revoke",
                    key.get().tenant(),
                    id.toString(),
                    key.get().name());
            return true;
        }));
    }

    static Caller callerOf(ApiKeyRow key) {
        var roles = EnumSet.noneOf(Role.class);
        for (var role : key.roles()) {
            roles.add(Role.valueOf(role));
        }
        return Caller.of(key.id().toString(), key.name(), key.tenant(), roles);
    }

    private void touch(UUID id) {
        var now = clock.instant();
        var last = touched.get(id);
        if (last == null || !now.isBefore(last.plus(TOUCH_EVERY))) {
            touched.put(id, now);
            keys.touch(id, now);
        }
    }
}
