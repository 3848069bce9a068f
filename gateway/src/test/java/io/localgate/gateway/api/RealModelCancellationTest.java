package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Cancellation on the real {@code java} engine: a model that runs one sequence at a time, a stream of
 * up to 2000 tokens dropped after 3 chunks, and a request queued behind it, which starts at once rather
 * than after the 2000 tokens.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RealModelCancellationTest {

    private static final long LONG = 2000;

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        var dir = SdkTestSupport.emptyModelsDirectory("real-cancellation");
        // random weights and a 152k vocabulary: seldom an end-of-text token, and some milliseconds a token
        SdkTestSupport.linkSharedModel(dir, "synth-qwen2-q4_0");
        try {
            Files.writeString(dir.resolve("one-at-a-time.yaml"), """
                    file: synth-qwen2-q4_0.gguf
                    parallel: 1
                    context_size: 2048
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "java");
    }

    @LocalServerPort
    int port;

    @Test
    void a_dropped_stream_frees_the_only_slot_for_the_queued_request() throws Exception {
        OpenAIClient client = SdkTestSupport.client(port, Duration.ofMinutes(2));
        CompletableFuture<Completion> queued;
        try (var stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("one-at-a-time").prompt("Once upon a time").maxTokens(LONG).temperature(1.0).seed(7).build())) {
            var chunks = stream.stream().iterator();
            for (int i = 0; i < 3; i++) chunks.next();
            queued = CompletableFuture.supplyAsync(() -> client.completions().create(CompletionCreateParams.builder()
                    .model("one-at-a-time").prompt("Hello").maxTokens(4L).temperature(0.0).build()));
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                    PrometheusScrape.of(port).value("localgate_admission_queued", "model", "one-at-a-time").orElse(0) == 1);
            assertThat(PrometheusScrape.of(port).require("localgate_admission_active", "model", "one-at-a-time")).isEqualTo(1);
        }
        var completion = queued.get(60, TimeUnit.SECONDS);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(4);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(PrometheusScrape.of(port).require("localgate_admission_active", "model", "one-at-a-time")).isZero());
        // the dropped generation stopped long before its 2000 tokens: it was cancelled, not waited for
        assertThat(PrometheusScrape.of(port).require("localgate_generated_tokens_total", "model", "one-at-a-time"))
                .isLessThan(LONG / 2);
    }
}
