package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The serving bench against a small stand-in server that streams OpenAI chunks, so every field it reads is known. */
class ServingBenchTest {

    static {
        // the JDK server otherwise lets Nagle's algorithm hold back each small chunk until the previous one is acknowledged
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HttpServer server;
    private final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    /** Streams three content chunks 20 ms apart, then usage (completion_tokens 3) and [DONE]; every {@code failEvery}-th request is a 429. */
    private String start(int failEvery) throws IOException {
        var count = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int now = inFlight.incrementAndGet();
            mostInFlight.accumulateAndGet(now, Math::max);
            try {
                if (failEvery > 0 && count.incrementAndGet() % failEvery == 0) {
                    byte[] body = "{\"error\":{\"message\":\"busy\",\"type\":\"rate_limit_exceeded\",\"param\":null,\"code\":null}}".getBytes();
                    exchange.sendResponseHeaders(429, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                    return;
                }
                stream(exchange);
            } finally {
                inFlight.decrementAndGet();
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            send(out, "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
            for (String piece : List.of("Hel", "lo", "!")) {
                sleep(20);
                send(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"}}]}");
            }
            send(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}");
            send(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}");
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void measuresTokensTtftAndTpotFromTheStream() throws Exception {
        String url = start(0);
        var bench = new ServingBench(new ServingBench.Settings(url, "m", Optional.of("secret"), 8, 16), new PrintStream(new ByteArrayOutputStream()));
        var levels = bench.run(List.of(1, 4));

        assertThat(levels).extracting(ServingBench.LevelResult::concurrency).containsExactly(1, 4);
        for (var level : levels) {
            assertThat(level.results()).hasSize(8);
            assertThat(level.errors()).isZero();
            assertThat(level.generatedTokens()).isEqualTo(24);
            // TTFT is the first non-empty content (after ~20 ms), not the empty role chunk; then two more 20 ms gaps
            assertThat(level.ttft().orElseThrow().min()).isGreaterThanOrEqualTo(0.019);
            assertThat(level.tpot().orElseThrow().median()).isBetween(0.019, 0.5);
        }
        assertThat(mostInFlight.get()).isEqualTo(4);
        assertThat(bodies).allSatisfy(body -> assertThat(body)
                .contains("\"stream\":true", "\"include_usage\":true", "\"max_tokens\":16", "\"model\":\"m\""));
        assertThat(authorizations).containsOnly("Bearer secret");
        assertThat(ServingBench.rows(levels)).hasSize(2).allSatisfy(row -> assertThat(row).startsWith("| ").contains("| 8 | 0 |"));
    }

    @Test
    void countsRejectedRequestsAsErrors() throws Exception {
        String url = start(3);
        var bench = new ServingBench(new ServingBench.Settings(url + "/v1/", "m", Optional.empty(), 9, 16), new PrintStream(new ByteArrayOutputStream()));
        var level = bench.run(List.of(2)).getFirst();
        // the warm-up request is the first of the server's count, so 3 of the 9 measured requests hit a multiple of 3
        assertThat(level.errors()).isEqualTo(3);
        assertThat(level.results()).filteredOn(r -> !r.ok()).allSatisfy(r -> assertThat(r.error()).startsWith("HTTP 429"));
        assertThat(level.generatedTokens()).isEqualTo(6 * 3);
        assertThat(authorizations).containsOnly("null");
    }

    @Test
    void aStreamWithoutUsageOrDoneIsAnError() {
        long start = System.nanoTime();
        assertThat(ServingBench.read(List.of("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", "").iterator(), start).error())
                .contains("[DONE]");
        assertThat(ServingBench.read(List.of("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", "", "data: [DONE]", "").iterator(), start)
                .error()).contains("usage");
        assertThat(ServingBench.read(List.of("data: {\"error\":{\"message\":\"boom\"}}", "").iterator(), start).error())
                .isEqualTo("error event: boom");
    }
}
