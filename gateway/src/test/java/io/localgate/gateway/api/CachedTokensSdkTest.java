package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code usage.prompt_tokens_details.cached_tokens} as the official OpenAI SDK reads it, for both backends: the
 * prompt tokens a request took from the prefix cache (the same long prompt sent a second time), in chat and
 * completions responses, streamed (the final usage chunk) or not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CachedTokensSdkTest {

    private static final String MODEL = "synth-llama3-q8_0";

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("cached-tokens");
        SdkTestSupport.linkSharedModel(dir, MODEL);
        SdkTestSupport.alsoOnLlamaCpp(dir, MODEL);
        properties.add("localgate.models.path", dir::toString);
    }

    @LocalServerPort
    int port;
    OpenAIClient client;

    @BeforeEach
    void client() {
        client = SdkTestSupport.client(port, Duration.ofMinutes(2));
    }

    /** A prompt of over a hundred tokens whose start no other test of this class sends (but for the first few tokens). */
    private static String longPrompt(String topic) {
        return "Notes on " + topic + ": " + "the quick brown fox jumps over the lazy dog, ".repeat(12)
                + "then tell me about " + topic + ".";
    }

    @ParameterizedTest
    @ValueSource(strings = {MODEL, MODEL + "-llama-cpp"})
    void a_repeated_chat_prompt_reports_cached_tokens(String model) {
        var params = ChatCompletionCreateParams.builder().model(model).addUserMessage(longPrompt("chats on " + model))
                .maxCompletionTokens(4).temperature(0.0).build();
        CompletionUsage first = client.chat().completions().create(params).usage().orElseThrow();
        CompletionUsage second = client.chat().completions().create(params).usage().orElseThrow();
        assertThat(second.promptTokens()).isEqualTo(first.promptTokens()).isGreaterThan(100);
        // every prompt token but the last, whose logits give the first output token
        assertThat(cached(second)).isEqualTo(second.promptTokens() - 1).isGreaterThan(cached(first));

        var streamed = params.toBuilder().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(streamed)) {
            chunks = stream.stream().toList();
        }
        CompletionUsage third = chunks.getLast().usage().orElseThrow();
        assertThat(third.promptTokens()).isEqualTo(first.promptTokens());
        assertThat(cached(third)).isEqualTo(third.promptTokens() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {MODEL, MODEL + "-llama-cpp"})
    void a_repeated_completion_prompt_reports_cached_tokens(String model) {
        var params = CompletionCreateParams.builder().model(model).prompt(longPrompt("completions on " + model)).maxTokens(4)
                .temperature(0.0).build();
        CompletionUsage first = client.completions().create(params).usage().orElseThrow();
        CompletionUsage second = client.completions().create(params).usage().orElseThrow();
        assertThat(cached(second)).isEqualTo(second.promptTokens() - 1).isGreaterThan(cached(first));
    }

    private static long cached(CompletionUsage usage) {
        Optional<Long> cached = usage.promptTokensDetails().flatMap(CompletionUsage.PromptTokensDetails::cachedTokens);
        assertThat(cached).as("usage.prompt_tokens_details.cached_tokens").isPresent();
        return cached.orElseThrow();
    }
}
