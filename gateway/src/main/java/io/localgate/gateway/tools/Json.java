package io.localgate.gateway.tools;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON as plain Java values (maps in their order, lists, strings, numbers), as chat templates take them. */
public final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }

    public static Object toPlain(JsonNode node) {
        return MAPPER.convertValue(node, Object.class);
    }

    /** The text as a plain object when it is a JSON object, else the text itself. */
    static Object parseObjectOr(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isObject() ? MAPPER.convertValue(node, Map.class) : text;
        } catch (JacksonException e) {
            return text;
        }
    }

    /** The parsed value, or null when the text is not one whole JSON value. */
    static JsonNode parseOrNull(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    static String write(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }
}
