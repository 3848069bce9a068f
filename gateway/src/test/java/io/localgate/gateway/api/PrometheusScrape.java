package io.localgate.gateway.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of the Prometheus text at {@code /metrics}, read as a scraper reads it: series by name and labels. */
record PrometheusScrape(String text) {

    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    static PrometheusScrape of(int port) {
        return of(port, "/metrics");
    }

    static PrometheusScrape of(int port, String path) {
        try (var http = HttpClient.newHttpClient()) {
            var response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new IllegalStateException(path + " answered " + response.statusCode());
            return new PrometheusScrape(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of the one series with this name whose labels include these (others may be present), if any. */
    OptionalDouble value(String name, String... labelPairs) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) wanted.put(labelPairs[i], labelPairs[i + 1]);
        OptionalDouble found = OptionalDouble.empty();
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) continue;
            Matcher series = SERIES.matcher(line);
            if (!series.matches() || !series.group(1).equals(name)) continue;
            Map<String, String> labels = new LinkedHashMap<>();
            if (series.group(2) != null) {
                Matcher label = LABEL.matcher(series.group(2));
                while (label.find()) labels.put(label.group(1), label.group(2));
            }
            if (!labels.entrySet().containsAll(wanted.entrySet())) continue;
            if (found.isPresent()) throw new IllegalStateException("several series " + name + " match " + wanted + ":\n" + text);
            found = OptionalDouble.of(Double.parseDouble(series.group(3)));
        }
        return found;
    }

    /** Like {@link #value} but the series must exist. */
    double require(String name, String... labelPairs) {
        return value(name, labelPairs).orElseThrow(() -> new AssertionError("no series " + name + " " + String.join(",", labelPairs)
                + " in:\n" + text.lines().filter(line -> line.contains(name)).collect(java.util.stream.Collectors.joining("\n"))));
    }

    /** The {@code # TYPE} of a metric family. */
    String type(String family) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE " + family + " ")) return line.substring(("# TYPE " + family + " ").length());
        }
        return null;
    }
}
