package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.localgate.gateway.LocalgateApplication;
import io.localgate.gateway.fake.FakeModelFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Shutting down: new requests are refused with 503 and {@code Connection: close}, readiness goes down,
 * a stream that ends within the grace period ends normally, and one still running after it ends with an
 * error event.
 */
class GracefulShutdownTest {

    @Test
    void running_streams_finish_within_the_grace_period_and_the_rest_end_with_an_error_event() throws Exception {
        var dir = SdkTestSupport.emptyModelsDirectory("shutdown");
        FakeModelFiles.write(dir, "long.gguf", "reply=" + "Hello, world! ".repeat(40), "delay_ms=25", "context=2048");
        FakeModelFiles.write(dir, "short.gguf", "reply=Hello, world!", "delay_ms=25");
        ConfigurableApplicationContext app = new SpringApplicationBuilder(LocalgateApplication.class).run(
                "--server.port=0",
                "--localgate.models.path=" + dir,
                "--localgate.default.backend=fake",
                "--localgate.admission.shutdown-grace=3s");
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        OpenAIClient client = SdkTestSupport.client(port, Duration.ofSeconds(30));
        var http = HttpClient.newHttpClient();

        var longStream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("long").addUserMessage("Hi").build());
        var chunks = longStream.stream().iterator();
        for (int i = 0; i < 3; i++) chunks.next();
        CompletableFuture<String> shortReply = CompletableFuture.supplyAsync(() -> {
            var text = new StringBuilder();
            try (var stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("short").addUserMessage("Hi").build())) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
            }
            return text.toString();
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> PrometheusScrape.of(port).value("localgate_admission_active", "model", "short")
                .orElse(0) == 1);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(app::close);
        HttpResponse<String> refused = await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(
                () -> http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/models")).build(),
                        HttpResponse.BodyHandlers.ofString()),
                response -> response.statusCode() == 503);
        assertThat(refused.body()).contains("\"code\":\"server_shutting_down\"");
        assertThat(refused.headers().firstValue("Connection")).hasValue("close");

        assertThat(shortReply.get(10, TimeUnit.SECONDS)).isEqualTo("Hello, world!");
        assertThatThrownBy(() -> {
            while (chunks.hasNext()) {
                ChatCompletionChunk ignored = chunks.next();
            }
        }).isInstanceOfSatisfying(SseException.class, e -> assertThat(e.code()).hasValue("server_shutting_down"));
        longStream.close();
        closed.get(30, TimeUnit.SECONDS);
    }
}
