package io.localgate.gateway.api;

import io.localgate.gateway.json.JsonFields;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** A chat request's {@code response_format}. */
sealed interface ResponseFormat {

    /** Free text (the default). */
    record Text() implements ResponseFormat {
    }

    /** Any JSON object. */
    record JsonObject() implements ResponseFormat {
    }

    /**
     * JSON valid against a schema. The output is always constrained by the schema's grammar; {@code strict}
     * is accepted as OpenAI defines it (every keyword of the schema is enforced either way here).
     */
    record JsonSchema(String name, JsonNode schema, boolean strict) implements ResponseFormat {
    }

    static ResponseFormat read(JsonFields body) {
        JsonFields format = body.object("response_format");
        if (format == null) return new Text();
        String type = format.requiredString("type");
        return switch (type) {
            case "text" -> new Text();
            case "json_object" -> new JsonObject();
            case "json_schema" -> {
                JsonFields jsonSchema = format.object("json_schema");
                if (jsonSchema == null) throw format.missing("json_schema");
                String name = jsonSchema.requiredString("name");
                JsonFields schema = jsonSchema.object("schema");
                JsonNode schemaNode = schema != null ? jsonSchema.value("schema")
                        : JsonNodeFactory.instance.objectNode();
                yield new JsonSchema(name, schemaNode, Boolean.TRUE.equals(jsonSchema.bool("strict")));
            }
            default -> throw format.invalid("type", "must be 'text', 'json_object' or 'json_schema', got '" + type + "'.");
        };
    }
}
