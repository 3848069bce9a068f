package io.localgate.gateway.tools;

import io.localgate.gateway.schema.JsonSchemaGrammar;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The GBNF grammar that forces a tool call ({@code tool_choice} {@code required} or a named function).
 * A call is the JSON object {@code {"name": <one of the tools>, "arguments": <that tool's parameters>}},
 * whose grammar the JSON Schema converter makes from the union of the tools' schemas; around it comes
 * the format's own wrapper where that is plain text ({@code <tool_call>...</tool_call>}). Where the
 * format's marker is a control token (Mistral's {@code [TOOL_CALLS]}, Llama's {@code <|python_tag|>}),
 * the grammar asks for the bare object, which the parser reads as a call too.
 */
public final class ToolCallGrammar {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ToolCallGrammar() {
    }

    /**
     * @param markerIsText whether the format's trigger is ordinary text the model can spell (not a control token)
     * @throws io.localgate.gateway.schema.UnsupportedSchemaException when a tool's parameters use a keyword
     *                                                                  the converter cannot enforce
     */
    public static String of(ToolUse use, ToolCallFormat format, boolean markerIsText) {
        String call = renameRoot(JsonSchemaGrammar.fromSchema(callSchema(use.callable())), "tool-call");
        if (bare(format, markerIsText)) {
            return "root ::= tool-call\n" + call;
        }
        String block = "tool-call-block ::= \"<tool_call>\\n\" tool-call \"\\n</tool_call>\"\n";
        String root = use.parallel() ? "root ::= tool-call-block (\"\\n\" tool-call-block)*\n" : "root ::= tool-call-block\n";
        return root + block + call;
    }

    /** Whether the forced call is the bare JSON object rather than the format's own wrapped text. */
    public static boolean bare(ToolCallFormat format, boolean markerIsText) {
        return !markerIsText || format != ToolCallFormat.HERMES;
    }

    /** {@code anyOf} of one {@code {"name": const, "arguments": parameters}} object per tool. */
    static JsonNode callSchema(List<Tool> tools) {
        ArrayNode anyOf = NODES.arrayNode();
        for (Tool tool : tools) {
            ObjectNode properties = NODES.objectNode();
            properties.set("name", NODES.objectNode().put("const", tool.name()));
            properties.set("arguments", tool.parameters());
            ObjectNode call = NODES.objectNode().put("type", "object");
            call.set("properties", properties);
            call.set("required", NODES.arrayNode().add("name").add("arguments"));
            call.put("additionalProperties", false);
            anyOf.add(call);
        }
        return tools.size() == 1 ? anyOf.get(0) : NODES.objectNode().set("anyOf", anyOf);
    }

    /**
     * The grammar with its rule {@code root} renamed, so that it can sit inside another. Rule names are
     * words of letters, digits and dashes; quoted literals and character classes are left as they are.
     */
    static String renameRoot(String grammar, String newName) {
        var out = new StringBuilder(grammar.length() + 64);
        int i = 0;
        while (i < grammar.length()) {
            char c = grammar.charAt(i);
            if (c == '"' || c == '[') {
                char close = c == '"' ? '"' : ']';
                int j = i + 1;
                while (j < grammar.length() && grammar.charAt(j) != close) j += grammar.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(j + 1, grammar.length());
                out.append(grammar, i, j);
                i = j;
            } else if (c == '#') {
                int j = grammar.indexOf('\n', i);
                j = j < 0 ? grammar.length() : j;
                out.append(grammar, i, j);
                i = j;
            } else if (isNameChar(c)) {
                int j = i;
                while (j < grammar.length() && isNameChar(grammar.charAt(j))) j++;
                String word = grammar.substring(i, j);
                out.append(word.equals("root") ? newName : word);
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }
}
