package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionCreateParams;
import io.localgate.gateway.fake.FakeModelFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The Prometheus figures after real requests, by name and label; the health probes of a directory whose models all serve. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MetricsAndHealthTest {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry properties) {
        var dir = SdkTestSupport.emptyModelsDirectory("metrics");
        FakeModelFiles.write(dir, "counted.gguf", "reply=Hello, wörld!", "delay_ms=2");
        FakeModelFiles.write(dir, "idle.gguf", "reply=never asked");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
    }

    @LocalServerPort
    int port;
    OpenAIClient client;

    @BeforeEach
    void client() {
        client = SdkTestSupport.client(port, Duration.ofSeconds(30));
    }

    private HttpResponse<String> get(String path) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void requests_tokens_latencies_and_engine_figures_are_published_by_name_and_label() throws Exception {
        var chat = ChatCompletionCreateParams.builder().model("counted").addUserMessage("Hi");
        var whole = client.chat().completions().create(chat.build()).usage().orElseThrow();
        long streamedPrompt = 0;
        long streamedCompletion = 0;
        try (var stream = client.chat().completions().createStreaming(
                chat.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            for (var chunk : stream.stream().toList()) {
                if (chunk.usage().isPresent()) {
                    streamedPrompt = chunk.usage().get().promptTokens();
                    streamedCompletion = chunk.usage().get().completionTokens();
                }
            }
        }
        var completion = client.completions().create(CompletionCreateParams.builder().model("counted").prompt("Once").maxTokens(4).build())
                .usage().orElseThrow();
        assertThatThrownBy(() -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("Hi").build()))
                .isInstanceOf(NotFoundException.class);

        var scrape = PrometheusScrape.of(port);
        String chatEndpoint = "/v1/chat/completions";
        assertThat(scrape.require("localgate_requests_total", "endpoint", chatEndpoint, "model", "counted", "status", "200")).isEqualTo(2);
        assertThat(scrape.require("localgate_requests_total", "endpoint", "/v1/completions", "model", "counted", "status", "200")).isEqualTo(1);
        // an unknown model is not a label: client-chosen strings would make series without end
        assertThat(scrape.require("localgate_requests_total", "endpoint", chatEndpoint, "model", "", "status", "404")).isEqualTo(1);
        assertThat(scrape.type("localgate_request_duration_seconds")).isEqualTo("histogram");
        assertThat(scrape.require("localgate_request_duration_seconds_count", "endpoint", chatEndpoint, "model", "counted", "status", "200"))
                .isEqualTo(2);
        assertThat(scrape.require("localgate_request_duration_seconds_bucket", "endpoint", chatEndpoint, "model", "counted",
                "status", "200", "le", "+Inf")).isEqualTo(2);
        assertThat(scrape.require("localgate_request_duration_seconds_sum", "endpoint", chatEndpoint, "model", "counted", "status", "200"))
                .isPositive();
        // buckets fine enough for histogram_quantile: some bound between 1 ms and 15 min holds every request
        assertThat(scrape.text().lines().filter(line -> line.startsWith("localgate_request_duration_seconds_bucket{")
                && line.contains("model=\"counted\"") && line.contains("/v1/chat/completions")).count()).isGreaterThan(20);

        assertThat(scrape.require("localgate_prompt_tokens_total", "model", "counted"))
                .isEqualTo(whole.promptTokens() + streamedPrompt + completion.promptTokens());
        assertThat(scrape.require("localgate_generated_tokens_total", "model", "counted"))
                .isEqualTo(whole.completionTokens() + streamedCompletion + completion.completionTokens());
        assertThat(scrape.require("localgate_time_to_first_token_seconds_count", "model", "counted")).isEqualTo(3);
        assertThat(scrape.require("localgate_time_per_output_token_seconds_count", "model", "counted")).isEqualTo(3);
        // 2 ms between tokens in the fake engine
        assertThat(scrape.require("localgate_time_per_output_token_seconds_sum", "model", "counted") / 3).isGreaterThan(0.001);

        assertThat(scrape.require("localgate_model_load_seconds_count", "model", "counted", "backend", "fake", "outcome", "success"))
                .isEqualTo(1);
        assertThat(scrape.value("localgate_model_load_seconds_count", "model", "idle")).isEmpty();
        assertThat(scrape.require("localgate_engine_active_sequences", "model", "counted")).isZero();
        assertThat(scrape.require("localgate_engine_kv_cache_usage", "model", "counted")).isZero();
        assertThat(scrape.require("localgate_engine_steps_total", "model", "counted")).isZero();
        assertThat(scrape.require("localgate_engine_batch_rows_total", "model", "counted")).isZero();
        assertThat(scrape.require("localgate_admission_limit", "model", "counted")).isEqualTo(4);
        assertThat(scrape.require("localgate_admission_queued", "model", "counted")).isZero();

        var actuator = get("/actuator/prometheus");
        assertThat(actuator.statusCode()).isEqualTo(200);
        assertThat(new PrometheusScrape(actuator.body())
                .require("localgate_requests_total", "endpoint", "/v1/completions", "model", "counted", "status", "200")).isEqualTo(1);
        assertThat(get("/metrics").headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    }

    @Test
    void live_and_ready_when_every_model_can_be_served() throws Exception {
        var live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"status\":\"UP\"");
        var ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"UP\"").contains("\"models\":{").contains("\"readinessState\":{");
        assertThat(get("/actuator/health/ready").statusCode()).isEqualTo(200);
    }
}
