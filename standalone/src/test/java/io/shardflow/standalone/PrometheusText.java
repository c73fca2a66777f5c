package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** A scrape of {@code /actuator/prometheus}, read as Prometheus reads the text format: series, labels, values. */
record PrometheusText(List<Series> series) {
    record Series(String name, Map<String, String> labels, double value) {}

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static PrometheusText parse(String text) {
        var series = new ArrayList<Series>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            var labels = new LinkedHashMap<String, String>();
            if (brace >= 0) {
                var matcher = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
                while (matcher.find()) {
                    labels.put(matcher.group(1), matcher.group(2));
                }
            }
            series.add(new Series(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new PrometheusText(series);
    }

    /** The sum over the series of {@code name} whose labels include {@code labels} (0 when there is none). */
    double sum(String name, String... labels) {
        return matching(name, labels).stream().mapToDouble(Series::value).sum();
    }

    /** The series of {@code name} whose labels include {@code labels}. */
    List<Series> matching(String name, String... labels) {
        assertThat(labels.length % 2).as("labels come in name, value pairs").isZero();
        return series.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .toList();
    }

    boolean has(String name) {
        return series.stream().anyMatch(s -> s.name().equals(name));
    }

    /** Every metric name in the scrape. */
    List<String> names() {
        return series.stream().map(Series::name).distinct().toList();
    }
}
