package io.localgate.gateway.api;

import static io.localgate.gateway.api.FakeModelsDirectory.REPLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.localgate.gateway.fake.FakeModel;
import io.localgate.gateway.fake.FakeTokenizer;
import io.localgate.gateway.registry.ModelRegistry;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The API as the official OpenAI SDK sees it, over a fake backend (see {@code RealModelSdkTest} for the real engine). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiSdkTest {

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry properties) {
        var dir = FakeModelsDirectory.create("sdk");
        properties.add("localgate.models.path", dir::toString);
        properties.add("localgate.default.backend", () -> "fake");
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

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage("Hi");
    }

    private FakeModel fake(String id) {
        return (FakeModel) registry.get(id).serve().block().model();
    }

    @Test
    void lists_every_model_including_broken_ones() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).containsExactly("broken", "embedder", "exotic", "failing", "misconfigured", "offline", "slow", "small-context",
                "strict", "tiny", "tuned");
        Model tiny = client.models().retrieve("tiny");
        assertThat(tiny.id()).isEqualTo("tiny");
        assertThat(tiny.ownedBy()).isEqualTo("localgate");
        assertThat(tiny.created()).isPositive();
        assertThat(client.models().retrieve("gpt-4o-mini").id()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void retrieving_an_unknown_model_is_a_404() {
        assertThatThrownBy(() -> client.models().retrieve("nope"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.code()).hasValue("model_not_found");
                })
                .hasMessageContaining("nope");
    }

    @Test
    void chat_returns_the_whole_reply_with_real_token_counts() {
        ChatCompletion completion = client.chat().completions().create(chat("tiny").build());
        assertThat(completion.model()).isEqualTo("tiny");
        var choice = completion.choices().getFirst();
        assertThat(choice.message().content()).hasValue(REPLY);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        int[] prompt = fake("tiny").lastRequest().prompt();
        assertThat(fake("tiny").tokenizer().encodeThreads()).isNotEmpty().noneMatch(thread -> thread.startsWith("reactor-http"));
        assertThat(new FakeTokenizer().text(prompt))
                .isEqualTo("<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        var usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(prompt.length);
        // one token per byte, plus the end-of-sequence token
        assertThat(usage.completionTokens()).isEqualTo(REPLY.getBytes(UTF_8).length + 1);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    }

    @Test
    void streamed_chat_deltas_add_up_to_the_same_reply() {
        var params = chat("tiny").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        var text = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        for (var chunk : chunks) {
            for (var choice : chunk.choices()) {
                choice.delta().content().ifPresent(text::append);
                choice.finishReason().ifPresent(reason -> finishReasons.add(reason.asString()));
            }
        }
        assertThat(text.toString()).isEqualTo(REPLY).isEqualTo(
                client.chat().completions().create(chat("tiny").build()).choices().getFirst().message().content().orElseThrow());
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).hasValueSatisfying(role -> assertThat(role.asString()).isEqualTo("assistant"));
        assertThat(finishReasons).containsExactly("stop");
        var last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(REPLY.getBytes(UTF_8).length + 1);
    }

    @Test
    void max_tokens_ends_with_length() {
        var completion = client.chat().completions().create(chat("tiny").maxCompletionTokens(5).build());
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(5);
        assertThat(client.chat().completions().create(chat("tiny").maxTokens(2).build())
                .choices().getFirst().message().content()).hasValue("He");
    }

    @Test
    void stop_strings_cut_the_reply_before_them() {
        var completion = client.chat().completions().create(chat("tiny").stopOfStrings(List.of("日本", "zzz")).build());
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello, wörld! ");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        var streamed = new StringBuilder();
        try (var stream = client.chat().completions().createStreaming(chat("tiny").stop("wör").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(streamed::append)));
        }
        assertThat(streamed.toString()).isEqualTo("Hello, ");
    }

    @Test
    void a_models_yaml_defaults_and_aliases_apply() {
        var completion = client.chat().completions().create(chat("gpt-4o-mini").build());
        assertThat(completion.model()).isEqualTo("gpt-4o-mini");
        // tuned.yaml: stop at "!"
        assertThat(completion.choices().getFirst().message().content()).hasValue("Hello, wörld");
        assertThat(fake("tuned").lastRequest().sampling().temperature()).isZero();
        assertThat(client.chat().completions().create(chat("tuned").stop("ö").build())
                .choices().getFirst().message().content()).hasValue("Hello, w");
    }

    @Test
    void completions_continue_each_prompt_with_its_own_choice() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("tiny").promptOfArrayOfStrings(List.of("first", "second")).maxTokens(13).temperature(0.0).build());
        assertThat(completion.choices()).extracting(CompletionChoice::index).containsExactly(0L, 1L);
        assertThat(completion.choices()).extracting(CompletionChoice::text).containsOnly("Hello, wörld");
        assertThat(completion.choices()).allSatisfy(c -> assertThat(c.finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH));
        // BOS + 5 and BOS + 6 bytes; 13 tokens each
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(6 + 7);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(26);
    }

    @Test
    void completions_default_to_sixteen_tokens_and_can_echo() {
        var completion = client.completions().create(CompletionCreateParams.builder()
                .model("tiny").prompt("Say: ").echo(true).build());
        // 16 bytes end inside 日: an unfinished character at the end becomes U+FFFD
        assertThat(completion.choices().getFirst().text()).isEqualTo("Say: Hello, wörld! \uFFFD");
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(16);
    }

    @Test
    void streamed_completions_add_up() {
        var text = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        try (var stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("tiny").prompt("x").maxTokens(100).stop("END").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                text.append(choice.text());
                choice._finishReason().asKnown().ifPresent(reason -> finishes.add(reason.asString()));
            }));
        }
        assertThat(text.toString()).isEqualTo("Hello, wörld! 日本語 ");
        assertThat(finishes).contains("stop");
    }

    @Test
    void a_client_that_closes_the_stream_cancels_the_generation() {
        FakeModel slow = fake("slow");
        int cancelledBefore = slow.cancelled();
        try (var stream = client.chat().completions().createStreaming(chat("slow").build())) {
            var chunks = stream.stream().iterator();
            chunks.next();
            chunks.next();
            chunks.next();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.cancelled() == cancelledBefore + 1);
    }

    @Test
    void a_client_that_gives_up_on_a_non_streamed_request_cancels_the_generation() {
        FakeModel slow = fake("slow");
        int cancelledBefore = slow.cancelled();
        var impatient = client.withOptions(options -> options.timeout(Duration.ofMillis(500)));
        impatient.models().list(); // connected beforehand, so that the timeout falls on the generation, not a slow connect
        assertThatThrownBy(() -> impatient.chat().completions().create(chat("slow").build())).isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.cancelled() == cancelledBefore + 1);
    }

    @Test
    void a_failure_after_the_stream_began_raises_in_the_sdk() {
        assertThatThrownBy(() -> {
            try (var stream = client.chat().completions().createStreaming(chat("failing").build())) {
                stream.stream().forEach(chunk -> { });
            }
        }).isInstanceOfSatisfying(SseException.class, e -> assertThat(e.type()).hasValue("server_error"))
                .hasMessageContaining("the fake engine failed after 3 tokens");
    }

    @Test
    void request_errors_are_400s_naming_the_parameter() {
        assertBadRequest(() -> client.chat().completions().create(chat("tiny").temperature(3.0).build()), "temperature", "invalid_value");
        assertBadRequest(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .messages(List.of()).build()), "messages", "invalid_value");
        assertBadRequest(() -> client.chat().completions().create(chat("tiny").maxCompletionTokens(0).build()),
                "max_completion_tokens", "invalid_value");
        assertBadRequest(() -> client.chat().completions().create(chat("tiny").n(17).build()), "n", "invalid_value");
        assertBadRequest(() -> client.chat().completions().create(chat("tiny").topLogprobs(21).logprobs(true).build()), "top_logprobs",
                "invalid_value");
        assertBadRequest(() -> client.completions().create(CompletionCreateParams.builder().model("tiny").prompt("x").topP(1.5).build()),
                "top_p", "invalid_value");
        // neutral values pass
        assertThat(client.chat().completions().create(chat("tiny").n(1).logprobs(false).user("me").build()).choices()).hasSize(1);
    }

    @Test
    void an_unknown_model_is_a_404() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("gpt-5").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).hasValue("model_not_found");
                    assertThat(e.param()).hasValue("model");
                });
    }

    @Test
    void prompt_plus_max_tokens_beyond_the_context_is_refused_not_truncated() {
        assertBadRequest(() -> client.chat().completions().create(chat("small-context").maxCompletionTokens(40).build()),
                "messages", "context_length_exceeded");
        assertBadRequest(() -> client.completions().create(CompletionCreateParams.builder().model("small-context")
                .prompt("x".repeat(60)).build()), "prompt", "context_length_exceeded");
        // without max_tokens a chat may run to the end of the context
        var completion = client.chat().completions().create(chat("small-context").build());
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(48);
    }

    @Test
    void unsupported_models_are_400s_naming_what_is_unsupported() {
        assertBadRequest(() -> client.chat().completions().create(chat("exotic").build()), "model", "model_not_supported");
        assertThatThrownBy(() -> client.chat().completions().create(chat("exotic").build())).hasMessageContaining("IQ4_NL");
        assertBadRequest(() -> client.completions().create(CompletionCreateParams.builder().model("embedder").prompt("x").build()),
                "model", "model_not_supported");
    }

    @Test
    void a_model_whose_backend_cannot_run_here_is_a_503_naming_why() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("offline").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.code()).hasValue("backend_unavailable");
                })
                .hasMessageContaining("/opt/none");
    }

    @Test
    void broken_models_are_500s_naming_the_cause() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("broken").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.code()).hasValue("model_load_failed"))
                .hasMessageContaining("bad magic 0x46554747 at offset 0");
        assertThatThrownBy(() -> client.chat().completions().create(chat("misconfigured").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.code()).hasValue("model_config_invalid"))
                .hasMessageContaining("context_sise");
    }

    @Test
    void a_template_that_refuses_the_messages_is_a_400_with_its_complaint() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("strict").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.code()).hasValue("chat_template_error"))
                .hasMessageContaining("Conversation roles must alternate user/assistant");
        // the same model still completes raw text
        assertThat(client.completions().create(CompletionCreateParams.builder().model("strict").prompt("x").maxTokens(5).build())
                .choices().getFirst().text()).isEqualTo("Hello");
    }

    private static void assertBadRequest(Runnable call, String param, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BadRequestException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.param()).as("param").isEqualTo(Optional.of(param));
            assertThat(e.code()).as("code").isEqualTo(Optional.of(code));
            assertThat(e.type()).hasValue("invalid_request_error");
        });
    }

    @Test
    void a_model_without_embeddings_refuses_them() {
        assertThatThrownBy(() -> client.embeddings().create(com.openai.models.embeddings.EmbeddingCreateParams.builder()
                .model("tiny").input("hello").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.code()).hasValue("model_not_supported");
                    assertThat(e.param()).hasValue("model");
                })
                .hasMessageContaining("'tiny' (fake) does not produce embeddings");
    }
}
