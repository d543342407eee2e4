package io.flashcoupon.systemtest.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a Prometheus text exposition (format 0.0.4), enough to read counters back in tests. */
public final class Exposition {
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private Exposition(List<Sample> samples) {
        this.samples = samples;
    }

    /** GETs /metrics of the process whose metrics endpoint listens on {@code port} and parses it. */
    public static Exposition scrape(int port) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    public static Exposition parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            double value = number(line.substring(space + 1));
            int brace = series.indexOf('{');
            Map<String, String> labels = new LinkedHashMap<>();
            String name = series;
            if (brace >= 0) {
                name = series.substring(0, brace);
                Matcher m = LABEL.matcher(series.substring(brace + 1, series.lastIndexOf('}')));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
            }
            samples.add(new Sample(name, labels, value));
        }
        return new Exposition(samples);
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    /** Samples named {@code name} whose labels include {@code labelPairs} (name, value, name, value...). */
    public List<Sample> all(String name, String... labelPairs) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && has(s, labelPairs)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The one sample named {@code name} with {@code labelPairs}; 0 when the series is absent. */
    public double value(String name, String... labelPairs) {
        List<Sample> found = all(name, labelPairs);
        if (found.size() > 1) {
            throw new IllegalArgumentException(found.size() + " series match " + name + " " + List.of(labelPairs));
        }
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    private static boolean has(Sample s, String[] labelPairs) {
        for (int i = 0; i + 1 < labelPairs.length; i += 2) {
            if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
