package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.localgate.gateway.fake.FakeModel;
import io.localgate.gateway.fake.FakeModelFiles;
import io.localgate.gateway.registry.ModelRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Admission as a client sees it: one request at a time per model here, one more may wait, the next is a
 * 429 with {@code Retry-After}; a client that drops its stream frees its slot for the one waiting.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdmissionSdkTest {

    /** 25 ms a token, a few hundred tokens: a stream that runs until the test drops it. */
    private static final String LONG_REPLY = "Hello, world! ".repeat(40);

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
        var dir = SdkTestSupport.emptyModelsDirectory("admission");
        for (String model : new String[] {"dropped", "queued", "busy"}) {
            FakeModelFiles.write(dir, model + ".gguf", "reply=" + LONG_REPLY, "delay_ms=25", "context=2048");
        }
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
        properties.add("localgate.admission.max-concurrent", () -> "1");
        properties.add("localgate.admission.max-queue", () -> "1");
        properties.add("localgate.admission.retry-after", () -> "3s");
    }

    @LocalServerPort
    int port;
    @Autowired
    ModelRegistry registry;
    OpenAIClient client;

    @BeforeEach
    void client() {
        client = SdkTestSupport.client(port, Duration.ofSeconds(30));
    }

    private static ChatCompletionCreateParams chat(String model, long maxTokens) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hi").maxCompletionTokens(maxTokens).build();
    }

    private FakeModel fake(String id) {
        return (FakeModel) registry.get(id).serve().block().model();
    }

    private double gauge(String name, String model) {
        return PrometheusScrape.of(port).require(name, "model", model);
    }

    private static void readChunks(Iterator<ChatCompletionChunk> chunks, int count) {
        for (int i = 0; i < count; i++) assertThat(chunks.next()).isNotNull();
    }

    @Test
    void dropping_a_stream_after_three_chunks_frees_its_sequence() {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("dropped", 1000))) {
            readChunks(stream.stream().iterator(), 3);
            assertThat(gauge("localgate_engine_active_sequences", "dropped")).isEqualTo(1);
            assertThat(gauge("localgate_admission_active", "dropped")).isEqualTo(1);
        }
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(gauge("localgate_engine_active_sequences", "dropped")).isZero();
            assertThat(gauge("localgate_admission_active", "dropped")).isZero();
        });
        assertThat(fake("dropped").cancelled()).isEqualTo(1);
    }

    @Test
    void a_dropped_stream_lets_the_queued_request_start() throws Exception {
        CompletableFuture<ChatCompletion> queued;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("queued", 1000))) {
            readChunks(stream.stream().iterator(), 3);
            queued = CompletableFuture.supplyAsync(() -> client.chat().completions().create(chat("queued", 5)));
            await().atMost(5, TimeUnit.SECONDS).until(() -> gauge("localgate_admission_queued", "queued") == 1);
            // it waits in the gateway, not in the engine: the engine still runs the first one only
            assertThat(gauge("localgate_engine_active_sequences", "queued")).isEqualTo(1);
            assertThat(queued).isNotDone();
        }
        ChatCompletion completion = queued.get(10, TimeUnit.SECONDS);
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(gauge("localgate_admission_queued", "queued")).isZero();
            assertThat(gauge("localgate_admission_active", "queued")).isZero();
            assertThat(gauge("localgate_engine_active_sequences", "queued")).isZero();
        });
    }

    @Test
    void a_request_beyond_the_queue_is_a_429_with_retry_after() throws Exception {
        CompletableFuture<ChatCompletion> queued;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("busy", 1000))) {
            readChunks(stream.stream().iterator(), 1);
            queued = CompletableFuture.supplyAsync(() -> client.chat().completions().create(chat("busy", 3)));
            await().atMost(5, TimeUnit.SECONDS).until(() -> gauge("localgate_admission_queued", "busy") == 1);
            assertThatThrownBy(() -> client.chat().completions().create(chat("busy", 3)))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.code()).hasValue("queue_full");
                        assertThat(e.param()).hasValue("model");
                        assertThat(e.headers().values("Retry-After")).containsExactly("3");
                    })
                    .hasMessageContaining("busy");
        }
        assertThat(queued.get(10, TimeUnit.SECONDS).choices().getFirst().message().content()).hasValue("Hel");
        var scrape = PrometheusScrape.of(port);
        assertThat(scrape.require("localgate_rejected_requests_total", "reason", "queue_full", "model", "busy")).isEqualTo(1);
        assertThat(scrape.require("localgate_requests_total", "endpoint", "/v1/chat/completions", "model", "busy", "status", "429"))
                .isEqualTo(1);
        // the Bulkhead is a Resilience4j one, published as such too
        assertThat(scrape.require("resilience4j_bulkhead_max_allowed_concurrent_calls", "name", "busy")).isEqualTo(1);
    }
}
