package io.localgate.gateway.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Capability;
import io.localgate.backend.ModelInfo;
import io.localgate.gateway.fake.FakeTokenizer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import io.localgate.gateway.tools.Tool;
import org.junit.jupiter.api.Test;

class ChatFormatTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "Be brief.", null),
            new ChatMessage("user", "Hi", null));
    private static final String CHATML_PROMPT =
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";

    private final FakeTokenizer tokenizer = new FakeTokenizer();

    private static ModelInfo info(String template) {
        return new ModelInfo("fake", Optional.empty(), 256, FakeTokenizer.VOCAB_SIZE, 8, 1000, "F32", Optional.ofNullable(template),
                Optional.of(FakeTokenizer.BOS_TEXT), Optional.of(FakeTokenizer.EOS_TEXT), Set.of(Capability.CHAT), List.of());
    }

    @Test
    void a_model_without_a_template_gets_chatml_as_llama_cpp_does() {
        var format = ChatFormat.of(Optional.empty(), info(null), tokenizer);
        assertThat(format.templateError()).isEmpty();
        assertThat(format.render(CONVERSATION)).isEqualTo(CHATML_PROMPT);
        // the tokenizer adds BOS; ChatML's control tokens are parsed as special tokens
        int[] tokens = format.tokenize(CONVERSATION);
        assertThat(tokens[0]).isEqualTo(FakeTokenizer.BOS);
        assertThat(tokens[1]).isEqualTo(FakeTokenizer.IM_START);
        assertThat(tokenizer.text(tokens)).isEqualTo("<s>" + CHATML_PROMPT);
    }

    @Test
    void a_bos_the_template_writes_is_not_doubled() {
        String template = "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        var format = ChatFormat.of(Optional.empty(), info(template), tokenizer);
        int[] tokens = format.tokenize(CONVERSATION);
        assertThat(tokenizer.text(tokens)).isEqualTo("<s>" + CHATML_PROMPT);
        assertThat(tokens[1]).isNotEqualTo(FakeTokenizer.BOS);
    }

    @Test
    void the_yaml_template_overrides_the_files() {
        String override = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        var format = ChatFormat.of(Optional.of(override), info("{{ raise_exception('the file template must not be used') }}"), tokenizer);
        assertThat(format.render(CONVERSATION)).isEqualTo(CHATML_PROMPT);
    }

    @Test
    void developer_becomes_system_for_templates_that_do_not_know_it() {
        var format = ChatFormat.of(Optional.empty(), info(null), tokenizer);
        assertThat(format.render(List.of(new ChatMessage("developer", "Be brief.", null), new ChatMessage("user", "Hi", null))))
                .isEqualTo(CHATML_PROMPT);
    }

    @Test
    void a_template_refusing_the_messages_is_the_requests_fault() {
        var format = ChatFormat.of(Optional.of("{{ raise_exception('Conversation roles must alternate') }}"), info(null), tokenizer);
        assertThatThrownBy(() -> format.render(CONVERSATION))
                .isInstanceOfSatisfying(PromptException.class, e -> assertThat(e.templateBroken()).isFalse())
                .hasMessageContaining("Conversation roles must alternate");
    }

    @Test
    void a_template_that_does_not_compile_is_the_models_fault() {
        var format = ChatFormat.of(Optional.of("{% for %}"), info(null), tokenizer);
        assertThat(format.templateError()).isPresent();
        assertThatThrownBy(() -> format.render(CONVERSATION))
                .isInstanceOfSatisfying(PromptException.class, e -> assertThat(e.templateBroken()).isTrue())
                .hasMessageContaining("does not compile");
    }

    private static String sharedTemplate(String name) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(
                    System.getProperty("localgate.shared.models", "../../shared/models"), "templates", name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final Tool WEATHER = new Tool("get_weather", "Get the weather", tools.jackson.databind.json.JsonMapper.builder().build()
            .readTree("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}"));

    @Test
    void tools_and_tool_results_render_as_hugging_face_passes_them() {
        var format = ChatFormat.of(Optional.empty(), info(sharedTemplate("Qwen-Qwen2.5-7B-Instruct.jinja")), tokenizer);
        var call = new io.localgate.gateway.tools.ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}");
        String prompt = format.render(List.of(
                new ChatMessage("user", "Weather in Paris?", null),
                new ChatMessage("assistant", null, null, List.of(call), null),
                new ChatMessage("tool", "{\"temperature\": 21}", "get_weather", List.of(), "call_1")), List.of(WEATHER));
        assertThat(prompt).contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\"")
                .contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>")
                .contains("<|im_start|>user\n<tool_response>\n{\"temperature\": 21}\n</tool_response><|im_end|>");
        assertThat(format.toolCallFormat()).isEqualTo(io.localgate.gateway.tools.ToolCallFormat.HERMES);
    }

    @Test
    void a_template_that_cannot_take_null_content_gets_an_empty_string_as_llama_cpp_gives_it() {
        var format = ChatFormat.of(Optional.empty(), info(sharedTemplate("Qwen-Qwen3-0.6B.jinja")), tokenizer);
        var call = new io.localgate.gateway.tools.ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}");
        String prompt = format.render(List.of(new ChatMessage("user", "Weather in Paris?", null),
                new ChatMessage("assistant", null, null, List.of(call), null),
                new ChatMessage("tool", "21 C", null, List.of(), "call_1")), List.of(WEATHER));
        assertThat(prompt).contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
    }

    @Test
    void what_the_reference_engine_lacks_is_refused_with_its_message() {
        // Hermes 2 Pro loops over `tools`, undefined without tools: @huggingface/jinja fails there
        var format = ChatFormat.of(Optional.empty(), info(sharedTemplate("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja")), tokenizer);
        assertThatThrownBy(() -> format.render(CONVERSATION))
                .isInstanceOfSatisfying(PromptException.class, e -> assertThat(e.templateBroken()).isFalse())
                .hasMessageContaining("Expected iterable or object type in for loop: got UndefinedValue");
        // with tools it gets further, to a filter of an undefined value
        assertThatThrownBy(() -> format.render(CONVERSATION, List.of(WEATHER)))
                .hasMessageContaining("Cannot apply filter \"trim\" to type: UndefinedValue");
    }
}
