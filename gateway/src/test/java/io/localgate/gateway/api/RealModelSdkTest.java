package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The walking skeleton end to end: the app on a random port serving real GGUF files (symlinks into
 * the shared models, never copies) through the pure-Java engine, driven by the official OpenAI SDK,
 * with llama.cpp's own greedy outputs as the reference.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RealModelSdkTest {

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("real");
        for (String model : List.of("stories260K", "TinyStories-656K-Q8_0", "synth-qwen2-q4_0", "stories260K-q4_1",
                "all-MiniLM-L6-v2-Q4_K_M")) {
            SdkTestSupport.linkSharedModel(dir, model);
        }
        try {
            Files.writeString(dir.resolve("broken.gguf"), "this is not a GGUF file at all, just some text");
            Files.writeString(dir.resolve("storyteller.yaml"), """
                    file: stories260K.gguf
                    context_size: 128
                    defaults:
                      temperature: 0
                      max_tokens: 32
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    private static JsonNode reference(String model) {
        return JsonMapper.builder().build().readTree(SdkTestSupport.SHARED.resolve("reference").resolve(model + ".json").toFile());
    }

    private static CompletionCreateParams greedy(String model, String prompt) {
        return CompletionCreateParams.builder().model(model).prompt(prompt).maxTokens(32).temperature(0.0).build();
    }

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model)
                .addSystemMessage("You tell short stories.").addUserMessage("Tell me about a cat.")
                .temperature(0.0).maxCompletionTokens(24);
    }

    @Test
    void lists_and_retrieves_every_model_including_broken_and_unsupported_ones() {
        assertThat(client.models().list().data()).extracting(Model::id).containsExactly(
                "TinyStories-656K-Q8_0", "all-MiniLM-L6-v2-Q4_K_M", "broken", "stories260K", "stories260K-q4_1",
                "storyteller", "synth-qwen2-q4_0");
        assertThat(client.models().retrieve("stories260K").id()).isEqualTo("stories260K");
    }

    @Test
    void greedy_completion_of_stories260K_equals_llama_cpp() {
        Completion completion = client.completions().create(greedy("stories260K", "Once upon a time"));
        JsonNode expected = reference("stories260K").get("cases").get(0);
        assertThat(expected.get("prompt").stringValue()).isEqualTo("Once upon a time");
        assertThat(completion.choices().getFirst().text()).isEqualTo(expected.get("greedy_text").stringValue());
        var usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(expected.get("tokens_with_special").size());
        assertThat(usage.completionTokens()).isEqualTo(32);
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
    }

    @Test
    void greedy_completions_equal_llama_cpp_for_every_reference_prompt() {
        for (String model : List.of("stories260K", "TinyStories-656K-Q8_0", "synth-qwen2-q4_0")) {
            for (JsonNode reference : reference(model).get("cases")) {
                JsonNode text = reference.get("greedy_text");
                if (text == null || text.isNull()) continue; // llama.cpp failed, or its bytes are not UTF-8 on their own
                String prompt = reference.get("prompt").stringValue();
                Completion completion = client.completions().create(greedy(model, prompt));
                assertThat(completion.choices().getFirst().text()).as("%s: %s", model, prompt).isEqualTo(text.stringValue());
                assertThat(completion.usage().orElseThrow().promptTokens()).as("%s: %s", model, prompt)
                        .isEqualTo(reference.get("tokens_with_special").size());
            }
        }
    }

    @Test
    void text_a_vocabulary_cannot_spell_is_no_crash() {
        // llama.cpp aborts here (TinyStories-656K has no byte tokens); the engine falls back to <unk>
        var completion = client.completions().create(greedy("TinyStories-656K-Q8_0", "héllo wörld 日本語"));
        assertThat(completion.choices()).hasSize(1);
    }

    @Test
    void streamed_completions_add_up_to_the_same_text() {
        var streamed = new StringBuilder();
        try (var stream = client.completions().createStreaming(greedy("stories260K", "Hello world"))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> streamed.append(choice.text())));
        }
        assertThat(streamed.toString())
                .isEqualTo(client.completions().create(greedy("stories260K", "Hello world")).choices().getFirst().text())
                .isEqualTo(reference("stories260K").get("cases").get(1).get("greedy_text").stringValue());
    }

    @Test
    void stop_strings_end_the_text_before_them() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("stories260K").prompt("Once upon a time").maxTokens(32).temperature(0.0).stop("Lily").build());
        assertThat(completion.choices().getFirst().text()).isEqualTo(", there was a little girl named ");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
    }

    @Test
    void chat_streamed_and_not_gives_the_same_text_and_real_usage() {
        for (String model : List.of("stories260K", "synth-qwen2-q4_0")) {
            ChatCompletion completion = client.chat().completions().create(chat(model).build());
            String text = completion.choices().getFirst().message().content().orElseThrow();
            var usage = completion.usage().orElseThrow();
            assertThat(usage.promptTokens()).as(model).isGreaterThan(10);
            assertThat(usage.completionTokens()).as(model).isBetween(1L, 24L);
            assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());

            var streamed = new StringBuilder();
            List<Long> streamedUsage = new ArrayList<>();
            var params = chat(model).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> {
                    chunk.choices().forEach(choice -> choice.delta().content().ifPresent(streamed::append));
                    chunk.usage().ifPresent(u -> streamedUsage.add(u.completionTokens()));
                });
            }
            assertThat(streamed.toString()).as(model).isEqualTo(text);
            assertThat(streamedUsage).containsExactly(usage.completionTokens());
        }
    }

    @Test
    void a_yaml_configured_model_uses_its_defaults() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("storyteller").prompt("Once upon a time").build());
        assertThat(completion.choices().getFirst().text())
                .isEqualTo(reference("stories260K").get("cases").get(0).get("greedy_text").stringValue());
        assertBadRequest(() -> client.completions().create(CompletionCreateParams.builder()
                .model("storyteller").prompt("Once upon a time").maxTokens(200).build()), "prompt", "context_length_exceeded");
    }

    @Test
    void unknown_models_are_404s() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("llama-9000").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
        assertThatThrownBy(() -> client.models().retrieve("llama-9000")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void a_model_that_cannot_do_what_is_asked_is_a_400_naming_it() {
        // every shared model runs on the java engine now; an embedding model still does not chat
        assertThatThrownBy(() -> client.chat().completions().create(chat("all-MiniLM-L6-v2-Q4_K_M").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.code()).hasValue("model_not_supported"))
                .message().containsIgnoringCase("bert");
    }

    @Test
    void a_malformed_file_is_a_500_naming_the_cause_and_the_others_keep_working() {
        assertThatThrownBy(() -> client.completions().create(greedy("broken", "Hi")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.code()).hasValue("model_load_failed"))
                .message().contains("broken");
        assertThat(client.completions().create(greedy("stories260K", "Hi")).choices()).hasSize(1);
    }

    @Test
    void request_errors_are_400s_naming_the_parameter() {
        assertBadRequest(() -> client.chat().completions().create(chat("stories260K").temperature(5.0).build()),
                "temperature", "invalid_value");
        assertBadRequest(() -> client.chat().completions().create(chat("stories260K").maxCompletionTokens(5000).build()),
                "messages", "context_length_exceeded");
        assertBadRequest(() -> client.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt("Hi").bestOf(3).build()), "best_of", "unsupported_parameter");
    }

    private static void assertBadRequest(Runnable call, String param, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BadRequestException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.param()).as("param").isEqualTo(Optional.of(param));
            assertThat(e.code()).as("code").isEqualTo(Optional.of(code));
        });
    }
}
