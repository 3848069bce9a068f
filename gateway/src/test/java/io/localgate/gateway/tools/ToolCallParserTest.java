package io.localgate.gateway.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.gateway.tools.ToolCallParser.Piece;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ToolCallParserTest {

    private static final Set<String> NAMES = Set.of("get_weather", "get_time");

    /** Feeds the text in pieces of {@code step} chars and collects what comes out. */
    private static List<Piece> parse(ToolCallFormat format, String text, int step, boolean parallel) {
        var parser = new ToolCallParser(format, NAMES, parallel, false);
        List<Piece> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i += step) out.addAll(parser.append(text.substring(i, Math.min(text.length(), i + step))));
        out.addAll(parser.finish());
        return merged(out);
    }

    /** Adjacent content joined, and a streamed call (start, then argument pieces) as one whole call. */
    private static List<Piece> merged(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>();
        for (Piece piece : pieces) {
            Piece last = out.isEmpty() ? null : out.getLast();
            if (piece instanceof Piece.Content(String text) && last instanceof Piece.Content(String before)) {
                out.set(out.size() - 1, new Piece.Content(before + text));
            } else if (piece instanceof Piece.CallStart(String id, String name)) {
                out.add(new Piece.Call(new ToolCall(id, name, "")));
            } else if (piece instanceof Piece.CallArguments(String text) && last instanceof Piece.Call(ToolCall call)) {
                out.set(out.size() - 1, new Piece.Call(new ToolCall(call.id(), call.name(), call.arguments() + text)));
            } else {
                out.add(piece);
            }
        }
        return out;
    }

    private static ToolCall call(Piece piece) {
        assertThat(piece).isInstanceOf(Piece.Call.class);
        return ((Piece.Call) piece).call();
    }

    @ParameterizedTest
    @CsvSource({"1", "3", "1000"})
    void hermes_content_then_two_calls_in_any_piece_sizes(int step) {
        var out = parse(ToolCallFormat.HERMES, """
                Let me look.<tool_call>
                {"name": "get_weather", "arguments": {"city": "Paris", "note": "a </tool_call> inside"}}
                </tool_call>
                <tool_call>
                {"name": "get_time", "arguments": "{\\"zone\\": \\"CET\\"}"}
                </tool_call>""", step, true);
        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isEqualTo(new Piece.Content("Let me look."));
        assertThat(call(out.get(1)).name()).isEqualTo("get_weather");
        assertThat(call(out.get(1)).arguments()).isEqualTo("{\"city\": \"Paris\", \"note\": \"a </tool_call> inside\"}");
        assertThat(call(out.get(1)).id()).matches("call_[A-Za-z0-9]{24}");
        assertThat(out.get(2)).isEqualTo(new Piece.Content("\n"));
        assertThat(call(out.get(3)).arguments()).isEqualTo("{\"zone\": \"CET\"}");
    }

    @Test
    void arguments_stream_as_they_are_generated() {
        var parser = new ToolCallParser(ToolCallFormat.HERMES, NAMES, true, false);
        assertThat(parser.append("Hm.<tool_call>\n{\"name\": \"get_wea")).containsExactly(new Piece.Content("Hm."));
        var started = parser.append("ther\", \"arguments\": {\"ci");
        assertThat(started).hasSize(2);
        assertThat(started.getFirst()).isInstanceOfSatisfying(Piece.CallStart.class, start -> assertThat(start.name()).isEqualTo("get_weather"));
        assertThat(started.get(1)).isEqualTo(new Piece.CallArguments("{\"ci"));
        assertThat(parser.append("ty\": \"}\"}")).containsExactly(new Piece.CallArguments("ty\": \"}\"}"));
        assertThat(parser.append("}\n</tool_")).isEmpty();
        assertThat(parser.append("call> done")).containsExactly(new Piece.Content(" done"));
        assertThat(parser.finish()).isEmpty();
        assertThat(parser.calledTools()).isTrue();
    }

    @Test
    void text_that_only_looks_like_a_call_start_is_content() {
        assertThat(parse(ToolCallFormat.HERMES, "a <tool and <tool_call>not json</tool_call> end", 2, true))
                .containsExactly(new Piece.Content("a <tool and <tool_call>not json</tool_call> end"));
        assertThat(parse(ToolCallFormat.HERMES, "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>", 5, true))
                .as("a function that is not among the tools").hasSize(1).first().isInstanceOf(Piece.Content.class);
        assertThat(parse(ToolCallFormat.HERMES, "unfinished <tool_call>{\"name\": \"get_weather\", \"argu", 4, true))
                .containsExactly(new Piece.Content("unfinished <tool_call>{\"name\": \"get_weather\", \"argu"));
    }

    @Test
    void without_parallel_calls_only_the_first_is_kept() {
        var out = parse(ToolCallFormat.HERMES, "<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>"
                + "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>", 7, false);
        assertThat(out).hasSize(1);
        assertThat(call(out.getFirst()).name()).isEqualTo("get_time");
    }

    @Test
    void llama3_json_with_parameters_and_python_tag() {
        var out = parse(ToolCallFormat.LLAMA3_JSON, " {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}", 3, true);
        assertThat(out).hasSize(1);
        assertThat(call(out.getFirst()).arguments()).isEqualTo("{\"city\": \"Oslo\"}");
        out = parse(ToolCallFormat.LLAMA3_JSON, "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}", 3, true);
        assertThat(call(out.getFirst()).name()).isEqualTo("get_time");
        assertThat(parse(ToolCallFormat.LLAMA3_JSON, "{\"answer\": 42} is JSON", 3, true))
                .containsExactly(new Piece.Content("{\"answer\": 42} is JSON"));
        assertThat(parse(ToolCallFormat.LLAMA3_JSON, "The answer {\"name\": \"get_time\"}", 3, true))
                .as("only a reply that starts with the object is a call").hasSize(1).first().isInstanceOf(Piece.Content.class);
    }

    @Test
    void mistral_array_keeps_the_models_ids_and_makes_nine_char_ones() {
        var out = parse(ToolCallFormat.MISTRAL, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}, \"id\": \"abc123XYZ\"},"
                + " {\"name\": \"get_time\", \"arguments\": {}}]", 4, true);
        assertThat(out).hasSize(2);
        assertThat(call(out.get(0)).id()).isEqualTo("abc123XYZ");
        assertThat(call(out.get(1)).id()).matches("[A-Za-z0-9]{9}");
    }

    @Test
    void mistral_args_calls_one_after_another() {
        var out = parse(ToolCallFormat.MISTRAL_ARGS, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Rome\"}[TOOL_CALLS]get_time[ARGS]{}", 5, true);
        assertThat(out).hasSize(2);
        assertThat(call(out.get(0)).name()).isEqualTo("get_weather");
        assertThat(call(out.get(0)).arguments()).isEqualTo("{\"city\":\"Rome\"}");
        assertThat(call(out.get(1)).name()).isEqualTo("get_time");
    }

    @Test
    void granite_command_r_and_functionary() {
        assertThat(call(parse(ToolCallFormat.GRANITE, "<|tool_call|>[{\"name\": \"get_time\", \"arguments\": {}}]", 2, true).getFirst()).name())
                .isEqualTo("get_time");
        var command = parse(ToolCallFormat.COMMAND_R7B, "<|START_ACTION|>[{\"tool_call_id\": \"0\", \"tool_name\": \"get_weather\", "
                + "\"parameters\": {\"city\": \"Bern\"}}]<|END_ACTION|>", 6, true);
        assertThat(command).hasSize(1);
        assertThat(call(command.getFirst()).arguments()).isEqualTo("{\"city\":\"Bern\"}");
        var functionary = parse(ToolCallFormat.FUNCTIONARY_V3_1, "Sure. <function=get_weather>{\"city\": \"Lima\"}</function>", 3, true);
        assertThat(functionary.getFirst()).isEqualTo(new Piece.Content("Sure. "));
        assertThat(call(functionary.get(1)).name()).isEqualTo("get_weather");
    }

    @Test
    void deepseek_r1_and_v3_1_calls() {
        var r1 = parse(ToolCallFormat.DEEPSEEK, "Checking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
                + "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```"
                + "<｜tool▁call▁end｜><｜tool▁calls▁end｜>", 4, true);
        assertThat(r1).hasSize(3);
        assertThat(r1.getFirst()).isEqualTo(new Piece.Content("Checking."));
        assertThat(call(r1.get(1)).arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(call(r1.get(2)).name()).isEqualTo("get_time");
        var v31 = parse(ToolCallFormat.DEEPSEEK, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\"city\": \"Oslo\"}"
                + "<｜tool▁call▁end｜><｜tool▁calls▁end｜>", 3, true);
        assertThat(call(v31.getFirst()).name()).isEqualTo("get_weather");
    }

    @Test
    void bare_calls_when_a_grammar_forced_one() {
        var parser = new ToolCallParser(ToolCallFormat.MISTRAL, NAMES, true, true);
        List<Piece> out = new ArrayList<>(parser.append("{\"name\": \"get_time\", \"arguments\": {}}"));
        out.addAll(parser.finish());
        assertThat(call(merged(out).getFirst()).name()).isEqualTo("get_time");
        assertThat(call(merged(out).getFirst()).arguments()).isEqualTo("{}");
        assertThat(parser.calledTools()).isTrue();
    }

    @Test
    void each_template_that_declares_tools_gets_a_format() throws IOException {
        Path templates = Path.of(System.getProperty("localgate.shared.models", "../../shared/models"), "templates");
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("Qwen-Qwen2.5-7B-Instruct.jinja")))).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("meta-llama-Llama-3.1-8B-Instruct.jinja"))))
                .isEqualTo(ToolCallFormat.LLAMA3_JSON);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("mistralai-Mistral-Nemo-Instruct-2407.jinja"))))
                .isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("Mistral-Small-3.2-24B-Instruct-2506.jinja"))))
                .isEqualTo(ToolCallFormat.MISTRAL_ARGS);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("ibm-granite-granite-3.3-2B-Instruct.jinja"))))
                .isEqualTo(ToolCallFormat.GRANITE);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja"))))
                .isEqualTo(ToolCallFormat.COMMAND_R7B);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("meetkai-functionary-medium-v3.1.jinja"))))
                .isEqualTo(ToolCallFormat.FUNCTIONARY_V3_1);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"))))
                .isEqualTo(ToolCallFormat.DEEPSEEK);
        assertThat(ToolCallFormat.detect(Files.readString(templates.resolve("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"))))
                .isEqualTo(ToolCallFormat.HERMES);
    }
}
