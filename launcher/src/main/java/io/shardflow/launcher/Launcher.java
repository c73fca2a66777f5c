package io.shardflow.launcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * The first class of every Shardflow jar ({@code Start-Class}, run by Spring Boot's launcher), compiled for the
 * oldest Java that launcher runs on. On a Java new enough it runs the jar's own main class, named by its manifest's
 * {@code Shardflow-Main-Class}. On an older one it looks for a newer installation on this machine and runs the same
 * jar with it, passing the JVM options, the arguments, the exit status and a stop signal through; with none, it says
 * what to install and exits at once.
 */
public final class Launcher {
    /** The Java feature release Shardflow's classes are compiled for. */
    static final int REQUIRED = 21;

    private static final String MAIN_CLASS = "Shardflow-Main-Class";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        var jar = Path.of(System.getProperty("java.class.path", ""));
        if (Runtime.version().feature() >= REQUIRED) {
            runMain(mainClass(jar), args);
            return;
        }
        var runtime = JavaRuntimes.newest(
                REQUIRED, JavaRuntimes.defaultRoots(System.getenv("JAVA_HOME"), System.getProperty("user.home", "")));
        if (runtime.isEmpty() || !Files.isRegularFile(jar)) {
            System.err.println(tooOld(Runtime.version().feature()));
            System.exit(1);
            return;
        }
        System.err.println("shardflow: this java is " + Runtime.version().feature() + "; running with "
                + runtime.get().home() + " (Java " + runtime.get().feature() + ")");
        System.exit(relaunch(runtime.get().java(), jar, args));
    }

    /** What a user without a suitable Java reads. */
    static String tooOld(int found) {
        return "shardflow: needs Java " + REQUIRED + " or newer, and this is Java " + found + " with no newer one "
                + "installed where Java installs go (JAVA_HOME, /usr/lib/jvm, /opt/java, SDKMAN, macOS's "
                + "JavaVirtualMachines). Install one, for example `apt-get install openjdk-21-jre-headless` or a "
                + "Temurin 21+ from https://adoptium.net, or run this jar with it: /path/to/jdk/bin/java -jar ...";
    }

    /** The command that runs {@code jar} with {@code java}, keeping this JVM's options. */
    static List<String> command(Path java, List<String> jvmOptions, Path jar, String[] args) {
        var command = new ArrayList<String>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static int relaunch(Path java, Path jar, String[] args) throws IOException, InterruptedException {
        var jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
        var process = new ProcessBuilder(command(java, jvmOptions, jar, args))
                .inheritIO()
                .start();
        // a stop signal to this JVM stops the one doing the work, and waits for it to finish stopping
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (process.isAlive()) {
                process.destroy();
                try {
                    process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        return process.waitFor();
    }

    private static String mainClass(Path jar) throws IOException {
        try (var file = new JarFile(jar.toFile())) {
            var manifest = file.getManifest();
            var name = manifest == null ? null : manifest.getMainAttributes().getValue(MAIN_CLASS);
            if (name == null) {
                throw new IllegalStateException(jar + " names no " + MAIN_CLASS + " in its manifest");
            }
            return name;
        }
    }

    private static void runMain(String className, String[] args) throws Exception {
        var loader = Thread.currentThread().getContextClassLoader();
        var main = Class.forName(className, true, loader).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
