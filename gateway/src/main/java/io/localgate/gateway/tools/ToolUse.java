package io.localgate.gateway.tools;

import io.localgate.gateway.json.JsonFields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A request's tools and how they may be used.
 *
 * @param parallel whether several calls may come in one reply ({@code parallel_tool_calls}, default true)
 */
public record ToolUse(List<Tool> tools, ToolChoice choice, boolean parallel) {

    public static final ToolUse NONE = new ToolUse(List.of(), new ToolChoice.None(), true);

    public ToolUse {
        tools = List.copyOf(tools);
    }

    public static ToolUse read(JsonFields body) {
        JsonNode array = body.array("tools");
        List<Tool> tools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (array != null) {
            for (int i = 0; i < array.size(); i++) {
                Tool tool = Tool.read(JsonFields.of(array.get(i), body.param("tools") + "[" + i + "]"));
                if (!names.add(tool.name())) {
                    throw body.invalid("tools", "the function '" + tool.name() + "' is defined twice.");
                }
                tools.add(tool);
            }
        }
        Boolean parallel = body.bool("parallel_tool_calls");
        return new ToolUse(tools, ToolChoice.read(body, tools), parallel == null || parallel);
    }

    /** Whether generated text is searched for tool calls. */
    public boolean callsPossible() {
        return !tools.isEmpty() && !(choice instanceof ToolChoice.None);
    }

    /** The tools a call may name: all, or the one {@code tool_choice} names. */
    public List<Tool> callable() {
        if (choice instanceof ToolChoice.Named(String name)) {
            return tools.stream().filter(tool -> tool.name().equals(name)).toList();
        }
        return tools;
    }

    /** Whether a grammar must force a call. */
    public boolean forced() {
        return choice instanceof ToolChoice.Required || choice instanceof ToolChoice.Named;
    }
}
