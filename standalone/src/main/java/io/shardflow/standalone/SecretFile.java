package io.shardflow.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * A password of an embedded server, kept in a file of its own under the data folder, readable by its owner only: made
 * once, then read back on every start, so that a restart on the same folder signs in as before.
 */
final class SecretFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFile() {}

    /** The password in {@code file}, made and written there first if there is none. */
    static String readOrCreate(Path file) {
        return read(file).orElseGet(() -> {
            var secret = generate();
            write(file, secret);
            return secret;
        });
    }

    /** The password in {@code file}; empty when there is no file. */
    static Optional<String> read(Path file) {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            // someone may have copied the folder with looser modes: it stays the owner's alone
            Files.setPosixFilePermissions(file, OWNER_ONLY);
            var secret = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (secret.isEmpty()) {
                throw new IllegalStateException(file + " is empty; delete it to have a new password made");
            }
            return Optional.of(secret);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /**
     * 256 random bits in URL-safe Base64: no quote, backslash or space, so the password goes into SQL, JAAS and
     * properties text as it is.
     */
    static String generate() {
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Writes {@code secret} to {@code file}, mode 600, whole or not at all. */
    static void write(Path file, String secret) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            var temporary = Files.createTempFile(
                    file.toAbsolutePath().getParent(),
                    file.getFileName().toString(),
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(temporary, secret + "\n", StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
