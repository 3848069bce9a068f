package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.localgate.backend.Tokenizer;
import io.localgate.gateway.registry.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tools, structured output, logprobs, {@code n}, {@code seed} and {@code logit_bias} on real GGUF files,
 * each served by both backends ({@code java} and {@code llama-cpp}), through the official SDK. The synthetic
 * Qwen2 model has random weights: only the grammar makes its output a valid call or schema-valid JSON.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiDepthBackendsSdkTest {

    private static final List<String> MODELS = List.of("stories260K", "synth-qwen2-q4_0");
    private static final List<String> BACKENDS = List.of("", "-llama-cpp");

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("depth-backends");
        try {
            for (String model : MODELS) {
                SdkTestSupport.linkSharedModel(dir, model);
                Files.writeString(dir.resolve(model + ".yaml"), """
                        file: %s.gguf
                        context_size: 512
                        """.formatted(model));
                SdkTestSupport.alsoOnLlamaCpp(dir, model);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        properties.add("localgate.models.path", dir::toString);
    }

    public enum City { Paris, Rome, Oslo }

    public static class GetForecast {
        @JsonProperty(required = true)
        public City city;
        @JsonProperty(required = true)
        public boolean tomorrow;
    }

    public static class Forecast {
        @JsonProperty(required = true)
        public City city;
        @JsonProperty(required = true)
        public boolean sunny;
    }

    @LocalServerPort
    int port;
    @Autowired
    ModelRegistry registry;
    OpenAIClient client;

    @BeforeEach
    void client() {
        client = SdkTestSupport.client(port, Duration.ofMinutes(2));
    }

    private ChatCompletion streamed(ChatCompletionCreateParams params) {
        var accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }

    @Test
    void a_forced_tool_call_is_valid_on_both_backends_streamed_or_not() {
        for (String backend : BACKENDS) {
            String model = "synth-qwen2-q4_0" + backend;
            for (var choice : List.of(ChatCompletionToolChoiceOption.ofAuto(ChatCompletionToolChoiceOption.Auto.REQUIRED),
                    ChatCompletionToolChoiceOption.ofNamedToolChoice(com.openai.models.chat.completions.ChatCompletionNamedToolChoice.builder()
                            .function(com.openai.models.chat.completions.ChatCompletionNamedToolChoice.Function.builder().name("GetForecast").build())
                            .build()))) {
                var params = ChatCompletionCreateParams.builder().model(model).addUserMessage("Will it rain in Rome tomorrow?")
                        .addTool(GetForecast.class).toolChoice(choice).parallelToolCalls(false) // random weights would go on calling
                        .temperature(1.0).seed(3).maxCompletionTokens(96).build();
                for (ChatCompletion completion : List.of(client.chat().completions().create(params), streamed(params))) {
                    var message = completion.choices().getFirst().message();
                    assertThat(message.toolCalls()).as(model).isPresent();
                    ChatCompletionMessageFunctionToolCall call = message.toolCalls().get().getFirst().asFunction();
                    assertThat(call.function().name()).isEqualTo("GetForecast");
                    assertThat(call.function().arguments(GetForecast.class).city).as(model).isNotNull();
                    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
                }
            }
        }
    }

    @Test
    void structured_output_is_schema_valid_json_on_both_backends() {
        for (String backend : BACKENDS) {
            String model = "synth-qwen2-q4_0" + backend;
            for (long seed = 1; seed <= 3; seed++) {
                var params = ChatCompletionCreateParams.builder().model(model).addUserMessage("Forecast for Oslo as JSON")
                        .responseFormat(Forecast.class).temperature(1.0).seed(seed).maxCompletionTokens(64).build();
                Forecast forecast = client.chat().completions().create(params).choices().getFirst().message().content().orElseThrow();
                assertThat(forecast.city).as(model).isNotNull();
                var accumulated = ChatCompletionAccumulator.create();
                try (var stream = client.chat().completions().createStreaming(params.rawParams())) {
                    stream.stream().forEach(accumulated::accumulate);
                }
                assertThat(accumulated.chatCompletion(Forecast.class).choices().getFirst().message().content().orElseThrow().city)
                        .isEqualTo(forecast.city);
            }
        }
    }

    @Test
    void logprobs_agree_between_backends_and_with_the_chosen_tokens() {
        List<List<ChatCompletionTokenLogprob>> perBackend = BACKENDS.stream().map(backend -> {
            var params = ChatCompletionCreateParams.builder().model("stories260K" + backend).addUserMessage("Once upon a time")
                    .temperature(0.0).maxCompletionTokens(12).logprobs(true).topLogprobs(3).build();
            var tokens = client.chat().completions().create(params).choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
            assertThat(streamed(params).choices().getFirst().logprobs().orElseThrow().content().orElseThrow())
                    .extracting(ChatCompletionTokenLogprob::token).isEqualTo(tokens.stream().map(ChatCompletionTokenLogprob::token).toList());
            for (var token : tokens) {
                assertThat(token.topLogprobs()).hasSize(3);
                // greedy: the chosen token is the most likely one
                assertThat(token.topLogprobs().getFirst().token()).isEqualTo(token.token());
                assertThat(token.logprob()).isEqualTo(token.topLogprobs().getFirst().logprob()).isLessThanOrEqualTo(0.0);
                assertThat(token.topLogprobs().get(1).logprob()).isLessThanOrEqualTo(token.topLogprobs().get(0).logprob());
            }
            return tokens;
        }).toList();
        assertThat(perBackend.get(1)).extracting(ChatCompletionTokenLogprob::token)
                .isEqualTo(perBackend.get(0).stream().map(ChatCompletionTokenLogprob::token).toList());
        for (int i = 0; i < perBackend.get(0).size(); i++) {
            assertThat(perBackend.get(1).get(i).logprob()).isCloseTo(perBackend.get(0).get(i).logprob(), within(0.01));
        }
        Completion legacy = client.completions().create(CompletionCreateParams.builder().model("stories260K").prompt("Once upon a time")
                .temperature(0.0).maxTokens(6).logprobs(2).build());
        var logprobs = legacy.choices().getFirst().logprobs().orElseThrow();
        assertThat(String.join("", logprobs.tokens().orElseThrow())).isEqualTo(legacy.choices().getFirst().text());
        assertThat(logprobs.textOffset().orElseThrow().getFirst()).isZero();
    }

    @Test
    void n_choices_with_a_seed_equal_single_requests_with_seed_plus_index() {
        for (String backend : BACKENDS) {
            String model = "stories260K" + backend;
            var base = ChatCompletionCreateParams.builder().model(model).addUserMessage("Tell me a story").temperature(1.0)
                    .maxCompletionTokens(16);
            ChatCompletion three = client.chat().completions().create(base.n(3).seed(42).build());
            assertThat(three.choices()).hasSize(3);
            for (int i = 0; i < 3; i++) {
                ChatCompletion single = client.chat().completions().create(base.n(1).seed(42 + i).build());
                assertThat(three.choices().get(i).message().content()).as("%s choice %d", model, i)
                        .isEqualTo(single.choices().getFirst().message().content());
            }
            ChatCompletion again = streamed(base.n(3).seed(42).build());
            for (int i = 0; i < 3; i++) {
                assertThat(again.choices().get(i).message().content()).isEqualTo(three.choices().get(i).message().content());
            }
            assertThat(three.usage().orElseThrow().promptTokens())
                    .isEqualTo(client.chat().completions().create(base.n(1).build()).usage().orElseThrow().promptTokens());
        }
    }

    @Test
    void logit_bias_of_minus_100_bans_the_greedy_token_on_both_backends() {
        for (String backend : BACKENDS) {
            String model = "stories260K" + backend;
            var params = CompletionCreateParams.builder().model(model).prompt("Once upon a time").temperature(0.0).maxTokens(1).logprobs(0);
            Completion greedy = client.completions().create(params.build());
            String first = greedy.choices().getFirst().logprobs().orElseThrow().tokens().orElseThrow().getFirst();
            var bias = CompletionCreateParams.LogitBias.builder();
            for (int id : tokenIds(model, first)) bias.putAdditionalProperty(Integer.toString(id), JsonValue.from(-100));
            Completion banned = client.completions().create(params.logitBias(bias.build()).build());
            assertThat(banned.choices().getFirst().logprobs().orElseThrow().tokens().orElseThrow().getFirst()).as(model).isNotEqualTo(first);
        }
    }

    /** The ids of the tokens whose text is {@code text} (a byte token and a word token may share it). */
    private List<Integer> tokenIds(String model, String text) {
        Tokenizer tokenizer = registry.get(model).serve().block().model().tokenizer();
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Integer> ids = new java.util.ArrayList<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (Arrays.equals(tokenizer.piece(id, true), bytes)) ids.add(id);
        }
        assertThat(ids).as("tokens spelt %s", text).isNotEmpty();
        return ids;
    }
}
