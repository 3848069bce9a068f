package io.localgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import io.localgate.backend.GenerationRequest;
import io.localgate.gateway.fake.FakeModel;
import io.localgate.gateway.fake.FakeTokenizer;
import io.localgate.gateway.registry.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tools, structured output, logprobs, {@code n}, {@code logit_bias} and {@code seed} through the official
 * SDK and its helpers ({@code addTool(Class)}, {@code responseFormat(Class)}, {@code ChatCompletionAccumulator}),
 * over fake models whose replies are written in each model family's tool-call format and whose chat
 * templates are the real ones.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiDepthSdkTest {

    private static final String CALL_JSON = "{\"name\": \"GetWeather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}";

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        Path dir = SdkTestSupport.emptyModelsDirectory("depth");
        Path templates = SdkTestSupport.SHARED.resolve("templates");
        write(dir, "qwen-tools", "Let me check.<tool_call>\n" + CALL_JSON + "\n</tool_call>", templates.resolve("Qwen-Qwen2.5-7B-Instruct.jinja"));
        write(dir, "llama-tools", "{\"name\": \"GetWeather\", \"parameters\": {\"city\": \"Paris\"}}",
                templates.resolve("meta-llama-Llama-3.1-8B-Instruct.jinja"));
        write(dir, "mistral-tools", "[TOOL_CALLS][{\"name\": \"GetWeather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1b2c3d4e\"}]",
                templates.resolve("mistralai-Mistral-Nemo-Instruct-2407.jinja"));
        write(dir, "weather-json", "{\"city\": \"Paris\", \"temperature\": 21}", null);
        write(dir, "plain", "Hi there", null);
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
    }

    private static void write(Path dir, String name, String reply, Path template) {
        var model = new Properties();
        model.setProperty("reply", reply);
        model.setProperty("context", "4096");
        try {
            if (template != null) model.setProperty("template", Files.readString(template));
            try (Writer out = Files.newBufferedWriter(dir.resolve(name + ".gguf"))) {
                model.store(out, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @JsonClassDescription("Get the current weather in a city")
    public static class GetWeather {
        @JsonProperty(required = true)
        @JsonPropertyDescription("City name")
        public String city;
        @JsonPropertyDescription("c or f")
        public String unit;
    }

    public static class Weather {
        @JsonProperty(required = true)
        public String city;
        @JsonProperty(required = true)
        public int temperature;
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

    private static ChatCompletionCreateParams.Builder weatherQuestion(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("What's the weather in Paris?").addTool(GetWeather.class);
    }

    private static ChatCompletionMessageFunctionToolCall onlyCall(ChatCompletion completion) {
        List<ChatCompletionMessageToolCall> calls = completion.choices().getFirst().message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(1);
        return calls.getFirst().asFunction();
    }

    private ChatCompletion streamedAndAccumulated(ChatCompletionCreateParams params) {
        var accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }

    @Test
    void sdk_tool_helpers_get_tool_calls_in_each_format_streamed_or_not() {
        for (String model : List.of("qwen-tools", "llama-tools", "mistral-tools")) {
            ChatCompletionCreateParams params = weatherQuestion(model).build();
            for (ChatCompletion completion : List.of(client.chat().completions().create(params), streamedAndAccumulated(params))) {
                var call = onlyCall(completion);
                assertThat(call.function().name()).as(model).isEqualTo("GetWeather");
                assertThat(call.function().arguments(GetWeather.class).city).as(model).isEqualTo("Paris");
                assertThat(call.id()).as(model).matches(model.equals("mistral-tools") ? "a1b2c3d4e" : "call_[A-Za-z0-9]{24}");
                assertThat(completion.choices().getFirst().finishReason()).as(model).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            }
        }
        ChatCompletion qwen = client.chat().completions().create(weatherQuestion("qwen-tools").build());
        assertThat(qwen.choices().getFirst().message().content()).hasValue("Let me check.");
        assertThat(onlyCall(qwen).function().arguments()).isEqualTo("{\"city\": \"Paris\", \"unit\": \"c\"}");
    }

    @Test
    void a_call_streams_as_openai_streams_it() {
        List<ChatCompletionChunk> chunks;
        try (var stream = client.chat().completions().createStreaming(weatherQuestion("qwen-tools").build())) {
            chunks = stream.stream().toList();
        }
        var deltas = chunks.stream().flatMap(chunk -> chunk.choices().stream()).map(ChatCompletionChunk.Choice::delta).toList();
        var callDeltas = deltas.stream().filter(delta -> delta.toolCalls().isPresent()).flatMap(delta -> delta.toolCalls().get().stream()).toList();
        // the fake generates a byte per token: the arguments come in many fragments
        assertThat(callDeltas.size()).isGreaterThan(10);
        assertThat(callDeltas).allSatisfy(delta -> assertThat(delta.index()).isZero());
        assertThat(callDeltas.get(0).id()).isPresent();
        assertThat(callDeltas.get(0).function().orElseThrow().name()).hasValue("GetWeather");
        assertThat(callDeltas.get(0).function().orElseThrow().arguments()).hasValue("");
        assertThat(callDeltas.subList(1, callDeltas.size())).allSatisfy(delta -> {
            assertThat(delta.id()).isEmpty();
            assertThat(delta.function().orElseThrow().name()).isEmpty();
        });
        String arguments = callDeltas.stream().map(delta -> delta.function().orElseThrow().arguments().orElse("")).reduce("", String::concat);
        assertThat(arguments).isEqualTo("{\"city\": \"Paris\", \"unit\": \"c\"}");
        String content = deltas.stream().flatMap(delta -> delta.content().stream()).reduce("", String::concat);
        assertThat(content).as("no marker text leaks into content").isEqualTo("Let me check.");
    }

    @Test
    void tools_reach_the_template_and_a_tool_result_round_trips() {
        ChatCompletion first = client.chat().completions().create(weatherQuestion("qwen-tools").build());
        FakeModel model = fake("qwen-tools");
        String prompt = new FakeTokenizer().text(model.lastRequest().prompt());
        assertThat(prompt).contains("# Tools").contains("\"name\": \"GetWeather\"").contains("\"description\": \"Get the current weather in a city\"");
        String id = onlyCall(first).id();
        client.chat().completions().create(weatherQuestion("qwen-tools")
                .addMessage(first.choices().getFirst().message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(id).content("{\"temperature\": 21}").build())
                .build());
        prompt = new FakeTokenizer().text(model.lastRequest().prompt());
        assertThat(prompt).contains("<|im_start|>assistant\nLet me check.\n<tool_call>\n{\"name\": \"GetWeather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call><|im_end|>")
                .contains("<tool_response>\n{\"temperature\": 21}\n</tool_response>")
                .endsWith("<|im_start|>assistant\n");
    }

    @Test
    void forced_calls_send_a_grammar_of_the_call_and_none_sends_no_tools() {
        client.chat().completions().create(weatherQuestion("qwen-tools").toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        GenerationRequest request = fake("qwen-tools").lastRequest();
        assertThat(request.grammar()).contains("<tool_call>").contains("GetWeather").contains("root ::=");
        client.chat().completions().create(weatherQuestion("qwen-tools").toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO).build());
        assertThat(fake("qwen-tools").lastRequest().grammar()).isNull();
        ChatCompletion none = client.chat().completions().create(weatherQuestion("qwen-tools")
                .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).build());
        assertThat(none.choices().getFirst().message().toolCalls()).isEmpty();
        assertThat(none.choices().getFirst().message().content().orElseThrow()).contains("<tool_call>");
        assertThat(new FakeTokenizer().text(fake("qwen-tools").lastRequest().prompt())).doesNotContain("GetWeather");
    }

    @Test
    void structured_output_helper_gets_a_grammar_and_parses_the_reply() {
        var params = ChatCompletionCreateParams.builder().model("weather-json").addUserMessage("Weather in Paris as JSON")
                .responseFormat(Weather.class).build();
        StructuredChatCompletion<Weather> completion = client.chat().completions().create(params);
        Weather weather = completion.choices().getFirst().message().content().orElseThrow();
        assertThat(weather.city).isEqualTo("Paris");
        assertThat(weather.temperature).isEqualTo(21);
        String grammar = fake("weather-json").lastRequest().grammar();
        assertThat(grammar).contains("root ::=").contains("\\\"city\\\"").contains("\\\"temperature\\\"");
        var accumulated = ChatCompletionAccumulator.create();
        try (var stream = client.chat().completions().createStreaming(params.rawParams())) {
            stream.stream().forEach(accumulated::accumulate);
        }
        assertThat(accumulated.chatCompletion(Weather.class).choices().getFirst().message().content().orElseThrow().temperature).isEqualTo(21);
    }

    @Test
    void chat_logprobs_streamed_or_not() {
        var params = ChatCompletionCreateParams.builder().model("plain").addUserMessage("Hi").logprobs(true).topLogprobs(2).build();
        for (ChatCompletion completion : List.of(client.chat().completions().create(params), streamedAndAccumulated(params))) {
            List<ChatCompletionTokenLogprob> tokens = completion.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
            assertThat(tokens).extracting(ChatCompletionTokenLogprob::token).containsExactly("H", "i", " ", "t", "h", "e", "r", "e");
            assertThat(tokens.getFirst().logprob()).isEqualTo(FakeModel.TOKEN_LOGPROB);
            assertThat(tokens.getFirst().bytes()).hasValue(List.of((long) 'H'));
            assertThat(tokens.getFirst().topLogprobs()).hasSize(2);
            assertThat(tokens.getFirst().topLogprobs().get(1).token()).isEqualTo("I");
            assertThat(tokens.getFirst().topLogprobs().get(1).logprob()).isEqualTo(-0.75);
        }
        assertThat(fake("plain").lastRequest().topLogprobs()).isEqualTo(2);
        ChatCompletion without = client.chat().completions().create(ChatCompletionCreateParams.builder().model("plain").addUserMessage("Hi").build());
        assertThat(without.choices().getFirst().logprobs()).isEmpty();
    }

    @Test
    void completion_logprobs_in_the_legacy_shape() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model("plain").prompt("Say").logprobs(3)
                .echo(true).maxTokens(4).build());
        CompletionChoice.Logprobs logprobs = completion.choices().getFirst().logprobs().orElseThrow();
        assertThat(completion.choices().getFirst().text()).isEqualTo("SayHi t");
        assertThat(logprobs.tokens()).hasValue(List.of("H", "i", " ", "t"));
        assertThat(logprobs.tokenLogprobs().orElseThrow()).containsOnly((double) FakeModel.TOKEN_LOGPROB);
        assertThat(logprobs.textOffset()).hasValue(List.of(3L, 4L, 5L, 6L));
        assertThat(logprobs.topLogprobs().orElseThrow().getFirst()._additionalProperties()).containsOnlyKeys("H", "I", "J");
    }

    @Test
    void n_choices_with_seeds_in_a_row_and_usage_counting_the_prompt_once() {
        var params = ChatCompletionCreateParams.builder().model("plain").addUserMessage("Hi").n(3).seed(7).build();
        ChatCompletion completion = client.chat().completions().create(params);
        assertThat(completion.choices()).extracting(ChatCompletion.Choice::index).containsExactly(0L, 1L, 2L);
        assertThat(completion.choices()).allSatisfy(choice -> assertThat(choice.message().content()).hasValue("Hi there"));
        List<GenerationRequest> requests = fake("plain").requests();
        assertThat(requests.subList(requests.size() - 3, requests.size())).extracting(r -> r.sampling().seed()).containsExactlyInAnyOrder(7L, 8L, 9L);
        var usage = completion.usage().orElseThrow();
        int promptTokens = requests.getLast().prompt().length;
        assertThat(usage.promptTokens()).isEqualTo(promptTokens);
        assertThat(usage.completionTokens()).isEqualTo(3 * 9); // 8 bytes and the end-of-sequence token, per choice
        ChatCompletion streamed = streamedAndAccumulated(params);
        assertThat(streamed.choices()).hasSize(3).allSatisfy(choice -> assertThat(choice.message().content()).hasValue("Hi there"));

        Completion texts = client.completions().create(CompletionCreateParams.builder().model("plain")
                .prompt(CompletionCreateParams.Prompt.ofArrayOfStrings(List.of("a", "b"))).n(2).maxTokens(2).build());
        assertThat(texts.choices()).extracting(CompletionChoice::index).containsExactly(0L, 1L, 2L, 3L);
        assertThat(texts.usage().orElseThrow().completionTokens()).isEqualTo(8);
    }

    @Test
    void logit_bias_reaches_the_backend_and_minus_100_bans() {
        client.chat().completions().create(ChatCompletionCreateParams.builder().model("plain").addUserMessage("Hi")
                .logitBias(ChatCompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty("72", JsonValue.from(-100))
                        .putAdditionalProperty("105", JsonValue.from(2.5)).build())
                .user("someone").build());
        var bias = fake("plain").lastRequest().sampling().logitBias();
        assertThat(bias).containsEntry(72, Float.NEGATIVE_INFINITY).containsEntry(105, 2.5f);
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("plain").addUserMessage("Hi")
                .logitBias(ChatCompletionCreateParams.LogitBias.builder().putAdditionalProperty("72", JsonValue.from(101)).build()).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("logit_bias.72"));
    }

    @Test
    void a_template_that_refuses_the_conversation_is_a_400_naming_its_complaint() {
        // Mistral Nemo's template wants nine-character ids; an OpenAI-style id makes it raise
        ChatCompletion first = client.chat().completions().create(weatherQuestion("mistral-tools").build());
        assertThatThrownBy(() -> client.chat().completions().create(weatherQuestion("mistral-tools")
                .addMessage(first.choices().getFirst().message().toBuilder()
                        .toolCalls(List.of(ChatCompletionMessageToolCall.ofFunction(onlyCall(first).toBuilder().id("call_1").build())))
                        .build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_1").content("21 C").build()).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.code()).hasValue("chat_template_error");
                    assertThat(e.getMessage()).contains("Tool call IDs should be alphanumeric strings with length 9!");
                });
        // its own ids round-trip
        client.chat().completions().create(weatherQuestion("mistral-tools").addMessage(first.choices().getFirst().message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(onlyCall(first).id()).content("21 C").build()).build());
        assertThat(new FakeTokenizer().text(fake("mistral-tools").lastRequest().prompt())).contains("[TOOL_RESULTS]");
    }
}
