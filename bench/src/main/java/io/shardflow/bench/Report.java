package io.shardflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/** Writes {@code docs/benchmarks.md}: how it was run, on what machine, and each scenario's section. */
public final class Report {
    private Report() {}

    public record Section(String title, String markdown) {}

    public static void write(Path out, BenchOptions options, String target, List<Section> sections) throws IOException {
        var text = new StringBuilder();
        text.append("# Benchmarks\n\n");
        text.append("Written by `java -jar bench/target/shardflow-bench.jar")
                .append(options.quick() ? " --quick" : "")
                .append("` on ")
                .append(LocalDate.now(ZoneId.systemDefault()))
                .append(" against ")
                .append(target)
                .append(". Figures are medians over ")
                .append(options.repeats())
                .append(" run(s), with the spread (min–max) where there were several; every ratio")
                .append(" compares figures measured side by side in the same run.\n\n");
        text.append("Machine: ").append(machine()).append("\n");
        for (var section : sections) {
            text.append("\n## ")
                    .append(section.title())
                    .append("\n\n")
                    .append(section.markdown().strip())
                    .append("\n");
        }
        Files.createDirectories(directoryOf(out));
        Files.writeString(out, text);
    }

    /** For a report {@code DIR/NAME.md}, its charts live in {@code DIR/NAME/} (docs/benchmarks/ by default). */
    public static Path chartPath(Path out, String file) {
        String name = out.getFileName().toString();
        String base = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name + "-charts";
        return directoryOf(out).resolve(base).resolve(file);
    }

    /** The link from the report to one of its charts. */
    public static String chartLink(Path out, Path chart) {
        return directoryOf(out).relativize(chart.toAbsolutePath()).toString();
    }

    /** The folder the report is written in. */
    private static Path directoryOf(Path out) {
        var directory = out.toAbsolutePath().getParent();
        if (directory == null) {
            throw new IllegalArgumentException("the report " + out + " needs a file name, not the root folder");
        }
        return directory;
    }

    /** Cores, CPU model, memory and JDK of the machine the benchmark runs on. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: leave it unknown
        }
        long memory = 0;
        try {
            memory = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024)
                    .orElse(0L);
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + cpu
                + (memory > 0 ? ", " + memory + " GiB" : "")
                + ", JDK " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name")
                + " " + System.getProperty("os.arch");
    }
}
