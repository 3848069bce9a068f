package io.localgate.bench;

import io.localgate.bench.BackendBench.Measurement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The backend comparison as Markdown table rows: one row per model, thread count and test, with the java/llama.cpp ratio. */
public final class SpeedReport {

    public static final String JAVA = "java";
    public static final String LLAMA_CPP = "llama-cpp";

    /** One model's measurements. */
    public record ModelResults(String model, long fileBytes, List<Measurement> measurements) {
    }

    private SpeedReport() {
    }

    public static String header() {
        return """
                | model | size | threads | test | java t/s | llama.cpp t/s | java/llama.cpp |
                |---|---:|---:|---|---:|---:|---:|
                """;
    }

    public static List<String> rows(ModelResults results) {
        Map<String, Map<String, Measurement>> byKey = new LinkedHashMap<>();
        for (Measurement m : results.measurements()) {
            byKey.computeIfAbsent(m.threads() + "|" + m.test(), k -> new LinkedHashMap<>()).put(m.backend(), m);
        }
        var rows = new ArrayList<String>();
        byKey.forEach((key, backends) -> {
            Measurement any = backends.values().iterator().next();
            Optional<Measurement> java = Optional.ofNullable(backends.get(JAVA));
            Optional<Measurement> llama = Optional.ofNullable(backends.get(LLAMA_CPP));
            String ratio = java.flatMap(Measurement::tokensPerSecond).flatMap(j -> llama.flatMap(Measurement::tokensPerSecond)
                    .map(l -> String.format(Locale.ROOT, "%.2f", j.median() / l.median()))).orElse("–");
            rows.add(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |", results.model(), gib(results.fileBytes()),
                    any.threads(), any.test(), cell(java), cell(llama), ratio));
        });
        return rows;
    }

    /** "median (min–max)", the failure, or a dash when the backend was not run. */
    static String cell(Optional<Measurement> measurement) {
        if (measurement.isEmpty()) return "–";
        Measurement m = measurement.get();
        return m.tokensPerSecond()
                .map(s -> String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", s.median(), s.min(), s.max()))
                .orElseGet(() -> "failed: " + abbreviate(m.failure().orElse("?").replace('|', '/').lines().findFirst().orElse("")));
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 99) + "…";
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
