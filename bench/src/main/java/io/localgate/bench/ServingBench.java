package io.localgate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The serving load bench, after vLLM's {@code benchmark_serving}: a fixed set of streamed chat
 * completions sent by N concurrent clients to a running gateway. Per request it records the time to the
 * first content token (TTFT), the end-to-end latency and the generated token count from the final usage
 * chunk ({@code stream_options.include_usage}); time per output token is (latency - TTFT) / (tokens - 1).
 * Aggregates: generated tokens/s and requests/s over the wall time of the whole set.
 */
public final class ServingBench {

    /**
     * @param baseUrl   the gateway, e.g. {@code http://localhost:8080} (with or without {@code /v1})
     * @param model     the model id
     * @param apiKey    sent as a bearer token when not empty
     * @param requests  requests per concurrency level
     * @param maxTokens {@code max_tokens} of each request
     */
    public record Settings(String baseUrl, String model, Optional<String> apiKey, int requests, int maxTokens) {
        public Settings {
            if (requests < 1 || maxTokens < 1) throw new IllegalArgumentException("requests and max-tokens must be >= 1");
        }

        URI completionsUri() {
            String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            return URI.create(base.endsWith("/v1") ? base + "/chat/completions" : base + "/v1/chat/completions");
        }
    }

    /** One request's outcome; times in seconds. */
    public record RequestResult(boolean ok, String error, double ttft, double latency, int completionTokens) {
        static RequestResult failed(String error) {
            return new RequestResult(false, error, 0, 0, 0);
        }

        /** Time per output token after the first, or empty with fewer than two tokens. */
        Optional<Double> tpot() {
            return ok && completionTokens > 1 ? Optional.of((latency - ttft) / (completionTokens - 1)) : Optional.empty();
        }
    }

    /** One concurrency level's aggregate. */
    public record LevelResult(int concurrency, List<RequestResult> results, double wallSeconds) {

        long errors() {
            return results.stream().filter(r -> !r.ok()).count();
        }

        long generatedTokens() {
            return results.stream().filter(RequestResult::ok).mapToLong(RequestResult::completionTokens).sum();
        }

        double tokensPerSecond() {
            return generatedTokens() / wallSeconds;
        }

        double requestsPerSecond() {
            return (results.size() - errors()) / wallSeconds;
        }

        Optional<Stats> ttft() {
            var samples = results.stream().filter(RequestResult::ok).map(RequestResult::ttft).toList();
            return samples.isEmpty() ? Optional.empty() : Optional.of(Stats.of(samples));
        }

        Optional<Stats> tpot() {
            var samples = results.stream().flatMap(r -> r.tpot().stream()).toList();
            return samples.isEmpty() ? Optional.empty() : Optional.of(Stats.of(samples));
        }
    }

    /** The fixed request set: the same prompts, in the same order, for every run and concurrency. */
    static final List<String> PROMPTS = List.of(
            "Explain in a few sentences why the sky is blue.",
            "Write a short poem about a lighthouse keeper.",
            "What are the main differences between TCP and UDP?",
            "Give me three ideas for a weekend trip near the mountains.",
            "Summarise the plot of a detective story you invent.",
            "How does a refrigerator keep food cold?",
            "List five tips for writing clear documentation.",
            "Describe the water cycle to a ten-year-old.",
            "What is the difference between a virus and a bacterium?",
            "Write a friendly email declining a meeting invitation.",
            "Why do cats purr? Give a short answer.",
            "Explain what a hash table is and when to use one.",
            "Invent a recipe that uses lentils, lemon and spinach.",
            "What makes a good unit test?",
            "Tell a short story about a robot learning to paint.",
            "How do vaccines train the immune system?");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** How long a request may wait for the response headers (a queued request waits here). */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(10);

    private final Settings settings;
    private final HttpClient client;
    private final PrintStream log;

    public ServingBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Sends one request that is not counted, so the model is loaded and warm, then runs each level. */
    public List<LevelResult> run(List<Integer> concurrencies) throws InterruptedException {
        RequestResult warmUp = send(PROMPTS.getFirst());
        if (!warmUp.ok()) log.println("warm-up request failed: " + warmUp.error());
        var levels = new ArrayList<LevelResult>();
        for (int concurrency : concurrencies) {
            LevelResult level = runLevel(concurrency);
            log.printf(Locale.ROOT, "  concurrency %d: %.2f tokens/s, %.3f requests/s, %d errors%n", concurrency, level.tokensPerSecond(),
                    level.requestsPerSecond(), level.errors());
            level.results().stream().filter(r -> !r.ok()).map(RequestResult::error).distinct().limit(3)
                    .forEach(error -> log.println("    error: " + error));
            levels.add(level);
        }
        return levels;
    }

    private LevelResult runLevel(int concurrency) throws InterruptedException {
        List<RequestResult> results = Collections.synchronizedList(new ArrayList<>());
        var next = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var running = new ArrayList<Future<?>>();
            for (int c = 0; c < concurrency; c++) {
                running.add(clients.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < settings.requests(); ) {
                        results.add(send(PROMPTS.get(i % PROMPTS.size())));
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        return new LevelResult(concurrency, List.copyOf(results), (System.nanoTime() - start) / 1e9);
    }

    /** One streamed chat completion, timed. */
    RequestResult send(String prompt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", settings.model());
        body.put("messages", List.of(Map.of("role", "user", "content", prompt)));
        body.put("max_tokens", settings.maxTokens());
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        var request = HttpRequest.newBuilder(settings.completionsUri())
                .timeout(RESPONSE_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        settings.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
        long start = System.nanoTime();
        try {
            HttpResponse<Stream<String>> response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> lines = response.body()) {
                if (response.statusCode() != 200) {
                    return RequestResult.failed("HTTP " + response.statusCode() + ": " + String.join(" ", lines.limit(5).toList()));
                }
                return read(lines.iterator(), start);
            }
        } catch (IOException | RuntimeException e) {
            return RequestResult.failed(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RequestResult.failed("interrupted");
        }
    }

    /** Reads the event stream of one completion. */
    static RequestResult read(Iterator<String> lines, long startNanos) {
        var parser = new SseParser();
        long firstToken = -1;
        Integer usageTokens = null;
        while (true) {
            Optional<String> event = lines.hasNext() ? parser.line(lines.next()) : parser.finish();
            if (event.isEmpty()) {
                if (!lines.hasNext()) return RequestResult.failed("the stream ended without data: [DONE]");
                continue;
            }
            String data = event.get();
            if (data.equals("[DONE]")) break;
            JsonNode chunk = JSON.readTree(data);
            if (chunk.has("error")) return RequestResult.failed("error event: " + chunk.get("error").path("message").asString(""));
            if (firstToken < 0) {
                for (JsonNode choice : chunk.path("choices")) {
                    if (!choice.path("delta").path("content").asString("").isEmpty()) firstToken = System.nanoTime();
                }
            }
            JsonNode usage = chunk.path("usage");
            if (usage.isObject()) usageTokens = usage.path("completion_tokens").asInt();
        }
        long end = System.nanoTime();
        if (usageTokens == null) return RequestResult.failed("no usage chunk (stream_options.include_usage) before [DONE]");
        double latency = (end - startNanos) / 1e9;
        double ttft = firstToken < 0 ? latency : (firstToken - startNanos) / 1e9;
        return new RequestResult(true, "", ttft, latency, usageTokens);
    }

    public static String header() {
        return """
                | concurrency | requests | errors | output tok/s | req/s | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms | tok/s vs 1 |
                |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """;
    }

    public static List<String> rows(List<LevelResult> levels) {
        Optional<Double> single = levels.stream().filter(l -> l.concurrency() == 1).findFirst().map(LevelResult::tokensPerSecond);
        return levels.stream().map(l -> String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.3f | %s | %s | %s | %s | %s |",
                l.concurrency(), l.results().size(), l.errors(), l.tokensPerSecond(), l.requestsPerSecond(),
                millis(l.ttft(), 50), millis(l.ttft(), 99), millis(l.tpot(), 50), millis(l.tpot(), 99),
                single.filter(s -> s > 0).map(s -> String.format(Locale.ROOT, "%.2f×", l.tokensPerSecond() / s)).orElse("–"))).toList();
    }

    private static String millis(Optional<Stats> stats, double percentile) {
        return stats.map(s -> String.format(Locale.ROOT, "%.1f", s.percentile(percentile) * 1000)).orElse("–");
    }
}
