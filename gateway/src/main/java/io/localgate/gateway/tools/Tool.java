package io.localgate.gateway.tools;

import io.localgate.gateway.json.JsonFields;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A function the model may call, from a request's {@code tools}.
 *
 * @param parameters the JSON Schema of its arguments (an empty object schema when not given)
 */
public record Tool(String name, String description, JsonNode parameters) {

    /** Reads {@code {"type": "function", "function": {"name", "description", "parameters"}}}. */
    public static Tool read(JsonFields tool) {
        String type = tool.requiredString("type");
        if (!type.equals("function")) {
            throw tool.unsupported("type", "Tools of type '" + type + "' are not supported; only 'function'.");
        }
        JsonFields function = tool.object("function");
        if (function == null) throw tool.missing("function");
        String name = function.requiredString("name");
        if (!name.matches("[A-Za-z0-9_.\\-]{1,64}")) {
            throw function.invalid("name", "must be 1 to 64 letters, digits, underscores, dots or dashes, got '" + name + "'.");
        }
        JsonFields parameters = function.object("parameters");
        JsonNode schema = parameters != null ? function.value("parameters")
                : JsonNodeFactory.instance.objectNode().put("type", "object").set("properties", JsonNodeFactory.instance.objectNode());
        return new Tool(name, function.string("description"), schema);
    }

    /** As Hugging Face templates take {@code tools}: {@code {"type": "function", "function": {...}}}. */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        if (description != null) function.put("description", description);
        function.put("parameters", Json.toPlain(parameters));
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("type", "function");
        value.put("function", function);
        return value;
    }

    public static List<Object> templateValues(List<Tool> tools) {
        return tools.stream().<Object>map(Tool::toTemplateValue).toList();
    }
}
