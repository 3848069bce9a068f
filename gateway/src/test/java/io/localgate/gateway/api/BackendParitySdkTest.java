package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The same GGUF files served twice, once by the pure-Java engine and once by llama.cpp through the
 * FFM bridge (a model YAML with {@code backend: llama-cpp}); through the official OpenAI SDK both give
 * llama.cpp's reference greedy outputs, and the same text for chats, streamed or not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BackendParitySdkTest {

    private static final List<String> MODELS = List.of("stories260K-q8_0", "synth-llama3-q8_0", "synth-qwen2-q4_0");

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("parity");
        for (String model : MODELS) {
            SdkTestSupport.linkSharedModel(dir, model);
            SdkTestSupport.alsoOnLlamaCpp(dir, model);
        }
        properties.add("localgate.models.path", dir::toString);
    }

    @LocalServerPort
    int port;
    OpenAIClient client;

    @BeforeEach
    void client() {
        client = SdkTestSupport.client(port, Duration.ofMinutes(2));
    }

    @Test
    void both_backends_are_listed() {
        assertThat(client.models().list().data()).extracting(Model::id).contains(
                "stories260K-q8_0", "stories260K-q8_0-llama-cpp", "synth-qwen2-q4_0", "synth-qwen2-q4_0-llama-cpp");
    }

    @Test
    void greedy_completions_are_identical_and_equal_llama_cpps_reference() {
        for (String model : MODELS) {
            JsonNode cases = JsonMapper.builder().build()
                    .readTree(SdkTestSupport.SHARED.resolve("reference").resolve(model + ".json").toFile()).get("cases");
            for (JsonNode reference : cases) {
                JsonNode expected = reference.get("greedy_text");
                if (expected == null || expected.isNull()) continue;
                String prompt = reference.get("prompt").stringValue();
                String java = completion(model, prompt);
                String llamaCpp = completion(model + "-llama-cpp", prompt);
                assertThat(java).as("java %s: %s", model, prompt).isEqualTo(expected.stringValue());
                assertThat(llamaCpp).as("llama-cpp %s: %s", model, prompt).isEqualTo(expected.stringValue());
            }
        }
    }

    @Test
    void greedy_chats_are_identical_streamed_or_not() {
        for (String model : MODELS) {
            ChatCompletion java = client.chat().completions().create(chat(model));
            ChatCompletion llamaCpp = client.chat().completions().create(chat(model + "-llama-cpp"));
            String text = java.choices().getFirst().message().content().orElseThrow();
            assertThat(llamaCpp.choices().getFirst().message().content()).as(model).contains(text);
            assertThat(llamaCpp.usage().orElseThrow().promptTokens()).isEqualTo(java.usage().orElseThrow().promptTokens());
            assertThat(streamed(model + "-llama-cpp")).as(model).isEqualTo(text);
            assertThat(streamed(model)).as(model).isEqualTo(text);
        }
    }

    private String completion(String model, String prompt) {
        Completion completion = client.completions().create(
                CompletionCreateParams.builder().model(model).prompt(prompt).maxTokens(32).temperature(0.0).build());
        return completion.choices().getFirst().text();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model)
                .addSystemMessage("You tell short stories.").addUserMessage("Tell me about a dog.")
                .temperature(0.0).maxCompletionTokens(24).build();
    }

    private String streamed(String model) {
        var text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat(model))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
        }
        return text.toString();
    }
}
