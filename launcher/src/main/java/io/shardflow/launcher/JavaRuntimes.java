package io.shardflow.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The Java installations of this machine, found where installers put them ({@code JAVA_HOME}, {@code /usr/lib/jvm},
 * {@code /opt/java}, SDKMAN, macOS's {@code JavaVirtualMachines}) and told apart by the feature version in each
 * one's {@code release} file, without starting them.
 */
final class JavaRuntimes {
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)", Pattern.MULTILINE);

    private JavaRuntimes() {}

    /** A Java installation and its feature version (21 for 21.0.5). */
    record Runtime(Path home, int feature) {
        Path java() {
            return home.resolve("bin").resolve(isWindows() ? "java.exe" : "java");
        }
    }

    /** The newest installation of at least {@code feature}, among those under {@code roots}. */
    static Optional<Runtime> newest(int feature, List<Path> roots) {
        return candidates(roots).stream()
                .filter(r -> r.feature() >= feature && Files.isExecutable(r.java()))
                .max(Comparator.comparingInt(Runtime::feature));
    }

    /** Where installations are looked for on this machine. */
    static List<Path> defaultRoots(@Nullable String javaHome, String userHome) {
        var roots = new ArrayList<Path>();
        if (javaHome != null && !javaHome.isBlank()) {
            roots.add(Path.of(javaHome));
        }
        roots.add(Path.of("/usr/lib/jvm"));
        roots.add(Path.of("/opt/java"));
        roots.add(Path.of(userHome, ".sdkman", "candidates", "java"));
        roots.add(Path.of("/Library/Java/JavaVirtualMachines"));
        roots.add(Path.of(userHome, "Library", "Java", "JavaVirtualMachines"));
        return roots;
    }

    /** Every installation found at a root or one level below it (macOS keeps the home in Contents/Home). */
    static List<Runtime> candidates(List<Path> roots) {
        var found = new ArrayList<Runtime>();
        for (Path root : roots) {
            feature(root).ifPresent(f -> found.add(new Runtime(root, f)));
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> children = Files.list(root)) {
                children.forEach(child -> {
                    for (Path home : List.of(child, child.resolve("Contents").resolve("Home"))) {
                        feature(home).ifPresent(f -> found.add(new Runtime(home, f)));
                    }
                });
            } catch (IOException e) {
                // an unreadable folder holds nothing we can use
            }
        }
        return found;
    }

    /** The feature version in a Java home's {@code release} file. */
    static Optional<Integer> feature(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            var matcher = VERSION.matcher(Files.readString(release, StandardCharsets.UTF_8));
            return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .startsWith("windows");
    }
}
