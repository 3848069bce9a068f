package io.localgate.gateway.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ToolCallGrammarTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Tool tool(String name, String parameters) {
        return new Tool(name, null, JSON.readTree(parameters));
    }

    @Test
    void renaming_root_leaves_literals_classes_comments_and_longer_names_alone() {
        String grammar = "root ::= \"root\" root-1 [r-t] # root\nroot-1 ::= root | \"\\\"root\"\n";
        assertThat(ToolCallGrammar.renameRoot(grammar, "call"))
                .isEqualTo("call ::= \"root\" root-1 [r-t] # root\nroot-1 ::= call | \"\\\"root\"\n");
    }

    @Test
    void hermes_calls_are_wrapped_and_other_formats_are_bare_objects() {
        var tools = List.of(tool("get_weather", "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}"),
                tool("get_time", "{\"type\": \"object\", \"properties\": {}}"));
        var use = new ToolUse(tools, new ToolChoice.Required(), false);
        String hermes = ToolCallGrammar.of(use, ToolCallFormat.HERMES, true);
        assertThat(hermes).startsWith("root ::= tool-call-block\n").contains("\"<tool_call>\\n\" tool-call \"\\n</tool_call>\"")
                .contains("get_weather").contains("get_time").doesNotContain("\nroot ::= {");
        assertThat(hermes.lines().filter(line -> line.startsWith("root ::=")).count()).isEqualTo(1);
        String mistral = ToolCallGrammar.of(use, ToolCallFormat.MISTRAL, false);
        assertThat(mistral).startsWith("root ::= tool-call\n").doesNotContain("TOOL_CALLS");
        var named = new ToolUse(tools, new ToolChoice.Named("get_time"), true);
        assertThat(ToolCallGrammar.of(named, ToolCallFormat.HERMES, true)).doesNotContain("get_weather").contains("(\"\\n\" tool-call-block)*");
    }
}
