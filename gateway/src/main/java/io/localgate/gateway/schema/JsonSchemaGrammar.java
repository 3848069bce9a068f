package io.localgate.gateway.schema;

import tools.jackson.databind.JsonNode;

/**
 * JSON Schema to GBNF, in the manner of llama.cpp's {@code common/json-schema-to-grammar.cpp}: the grammar's
 * {@code root} matches exactly the JSON texts the schema allows (for the keywords we support), with bounded
 * whitespace between tokens and none after the value, so a generation ends when its JSON does.
 *
 * <p>Supported: {@code type} (one or an array), {@code properties}, {@code required} (required properties
 * first, in schema order; optional ones may be left out), {@code additionalProperties} (false, true or a
 * schema), {@code items}, {@code prefixItems}, {@code minItems}, {@code maxItems}, {@code enum}, {@code const},
 * {@code anyOf}, {@code oneOf}, local {@code $ref} into {@code #/$defs} or {@code #/definitions} (recursion
 * allowed), {@code minLength}, {@code maxLength}, {@code format} {@code date}, {@code time},
 * {@code date-time} and {@code uuid} (other formats are annotations, as JSON Schema makes them), and
 * {@code pattern} for the regular-expression subset {@link PatternGrammar} takes. Annotations
 * ({@code title}, {@code description}, ...) are ignored. Any other keyword is an
 * {@link UnsupportedSchemaException} naming it.
 */
public final class JsonSchemaGrammar {

    private JsonSchemaGrammar() {
    }

    /**
     * The GBNF grammar (root rule {@code root}) of the JSON texts a schema allows.
     *
     * @throws UnsupportedSchemaException when the schema uses a keyword we cannot enforce, or a keyword wrongly
     */
    public static String fromSchema(JsonNode schema) {
        return new SchemaConverter(schema).convert();
    }

    /** The GBNF grammar of any JSON object: what {@code response_format: {"type": "json_object"}} asks for. */
    public static String anyJsonObject() {
        return SchemaConverter.anyObject();
    }
}
