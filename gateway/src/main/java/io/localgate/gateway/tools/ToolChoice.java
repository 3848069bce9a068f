package io.localgate.gateway.tools;

import io.localgate.gateway.json.JsonFields;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A request's {@code tool_choice}: whether the model may, must, or must not call a tool, or which. */
public sealed interface ToolChoice {

    /** No tool calls: the tools are still shown to the template, the output is plain content. */
    record None() implements ToolChoice {
    }

    /** The model decides: content, tool calls, or both. */
    record Auto() implements ToolChoice {
    }

    /** At least one call of one of the tools, forced by a grammar. */
    record Required() implements ToolChoice {
    }

    /** A call of this function, forced by a grammar. */
    record Named(String name) implements ToolChoice {
    }

    /** Reads {@code tool_choice} ({@code auto} when tools are given and it is not, {@code none} without tools). */
    static ToolChoice read(JsonFields body, List<Tool> tools) {
        JsonNode choice = body.value("tool_choice");
        if (choice == null) return tools.isEmpty() ? new None() : new Auto();
        if (choice.isString()) {
            ToolChoice parsed = switch (choice.stringValue()) {
                case "none" -> new None();
                // auto without tools asks for nothing: plain content, as some clients send it
                case "auto" -> tools.isEmpty() ? new None() : new Auto();
                case "required" -> new Required();
                default -> throw body.invalid("tool_choice", "must be 'none', 'auto', 'required' or "
                        + "{\"type\": \"function\", \"function\": {\"name\": ...}}, got '" + choice.stringValue() + "'.");
            };
            if (!(parsed instanceof None) && tools.isEmpty()) {
                throw body.invalid("tool_choice", "'" + choice.stringValue() + "' needs 'tools'.");
            }
            return parsed;
        }
        JsonFields named = body.object("tool_choice");
        String type = named.requiredString("type");
        if (!type.equals("function")) throw named.invalid("type", "must be 'function', got '" + type + "'.");
        JsonFields function = named.object("function");
        if (function == null) throw named.missing("function");
        String name = function.requiredString("name");
        if (tools.stream().noneMatch(tool -> tool.name().equals(name))) {
            throw body.invalid("tool_choice", "the function '" + name + "' is not among the request's tools.");
        }
        return new Named(name);
    }
}
