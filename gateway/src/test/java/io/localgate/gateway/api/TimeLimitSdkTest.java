package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.localgate.gateway.fake.FakeModel;
import io.localgate.gateway.fake.FakeModelFiles;
import io.localgate.gateway.registry.ModelRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A request past {@code localgate.admission.request-timeout} is stopped and its generation cancelled. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TimeLimitSdkTest {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
        var dir = SdkTestSupport.emptyModelsDirectory("time-limit");
        // 25 ms a token for some 500 tokens: far past the limit
        FakeModelFiles.write(dir, "endless.gguf", "reply=" + "Hello, world! ".repeat(40), "delay_ms=25", "context=2048");
        FakeModelFiles.write(dir, "endless-too.gguf", "reply=" + "Hello, world! ".repeat(40), "delay_ms=25", "context=2048");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
        properties.add("localgate.admission.request-timeout", () -> "1500ms");
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

    private FakeModel fake(String id) {
        return (FakeModel) registry.get(id).serve().block().model();
    }

    @Test
    void a_stream_past_the_limit_ends_with_an_error_event_and_frees_its_sequence() {
        var text = new StringBuilder();
        var params = ChatCompletionCreateParams.builder().model("endless").addUserMessage("Hi").build();
        assertThatThrownBy(() -> {
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOfSatisfying(SseException.class, e -> {
            assertThat(e.code()).hasValue("request_timeout");
            assertThat(e.type()).hasValue("server_error");
        }).hasMessageContaining("1.5S");
        assertThat(text).startsWith("Hello");
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(fake("endless").cancelled()).isEqualTo(1);
            assertThat(PrometheusScrape.of(port).require("localgate_engine_active_sequences", "model", "endless")).isZero();
        });
        var scrape = PrometheusScrape.of(port);
        assertThat(scrape.require("localgate_rejected_requests_total", "reason", "timeout", "model", "endless")).isEqualTo(1);
        assertThat(scrape.require("resilience4j_timelimiter_calls_total", "name", "request", "kind", "timeout")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void a_non_streamed_request_past_the_limit_is_a_504() {
        var params = ChatCompletionCreateParams.builder().model("endless-too").addUserMessage("Hi").build();
        assertThatThrownBy(() -> client.chat().completions().create(params))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(504);
                    assertThat(e.code()).hasValue("request_timeout");
                });
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(fake("endless-too").cancelled()).isEqualTo(1));
    }
}
