package io.shardflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {

    private static Path javaHome(Path root, String name, String version) throws IOException {
        var home = Files.createDirectories(root.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + version + "\"\n");
        var java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n");
        java.toFile().setExecutable(true);
        return home;
    }

    @Test
    void theNewestInstallationNewEnoughIsChosenFromItsReleaseFile(@TempDir Path root) throws IOException {
        javaHome(root, "java-17-openjdk-amd64", "17.0.15");
        var newest = javaHome(root, "temurin-25-jdk-amd64", "25.0.3");
        javaHome(root, "temurin-21-jdk-amd64", "21.0.5");
        javaHome(root, "jdk-8", "1.8.0_402");

        var chosen = JavaRuntimes.newest(21, List.of(root)).orElseThrow();

        assertThat(chosen.home()).isEqualTo(newest);
        assertThat(chosen.feature()).isEqualTo(25);
    }

    @Test
    void aMacOsHomeUnderContentsIsFound(@TempDir Path root) throws IOException {
        var home = javaHome(root.resolve("temurin-21.jdk").resolve("Contents"), "Home", "21.0.5");

        assertThat(JavaRuntimes.newest(21, List.of(root)).orElseThrow().home()).isEqualTo(home);
    }

    @Test
    void nothingNewEnoughMeansNone(@TempDir Path root) throws IOException {
        javaHome(root, "java-17-openjdk-amd64", "17.0.15");
        javaHome(root, "jdk-8", "1.8.0_402");

        assertThat(JavaRuntimes.newest(21, List.of(root, root.resolve("missing"))))
                .isEmpty();
        assertThat(Launcher.tooOld(17)).contains("needs Java 21 or newer", "this is Java 17", "openjdk-21");
    }

    @Test
    void theSameJarRunsAgainWithTheJvmOptionsAndArguments() {
        var command = Launcher.command(
                Path.of("/jdk/bin/java"), List.of("-Xmx1g", "-Dx=y"), Path.of("app.jar"), new String[] {
                    "--server.port=8081"
                });

        assertThat(command)
                .containsExactly("/jdk/bin/java", "-Xmx1g", "-Dx=y", "-jar", "app.jar", "--server.port=8081");
    }
}
