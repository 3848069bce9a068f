package io.localgate.gateway.api;

import io.localgate.gateway.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/embeddings} body, checked field by field.
 *
 * @param inputs     one embedding is made per input, in order
 * @param base64     {@code encoding_format: "base64"} (little-endian float32, as OpenAI sends them)
 * @param dimensions the vector size asked for, or null
 */
record EmbeddingRequest(String model, List<Input> inputs, boolean base64, Integer dimensions) {

    /** OpenAI's limit on inputs per request. */
    static final int MAX_INPUTS = 2048;
    private static final String INPUT_FORMS = "a string, an array of strings, an array of token ids or an array of arrays of token ids";

    /** One text to embed, as text or as token ids. */
    sealed interface Input {
        record Text(String text) implements Input {
        }

        record Tokens(int[] tokens) implements Input {
        }
    }

    static EmbeddingRequest read(JsonFields body) {
        String model = body.requiredString("model");
        List<Input> inputs = readInputs(body);
        String format = body.string("encoding_format");
        if (format != null && !format.equals("float") && !format.equals("base64")) {
            throw body.invalid("encoding_format", "must be 'float' or 'base64', got '" + format + "'.");
        }
        Long dimensions = body.integer("dimensions", 1, Integer.MAX_VALUE);
        body.string("user"); // accepted (checked to be a string), not used
        return new EmbeddingRequest(model, inputs, "base64".equals(format), dimensions == null ? null : dimensions.intValue());
    }

    private static List<Input> readInputs(JsonFields body) {
        JsonNode input = body.value("input");
        if (input == null) throw body.missing("input");
        if (input.isString()) return List.of(text(body, input, "input"));
        if (!input.isArray()) throw body.wrongType("input", INPUT_FORMS, input);
        if (input.isEmpty()) throw body.invalid("input", "at least one input is required.");
        if (input.size() > MAX_INPUTS) {
            throw body.invalid("input", "at most " + MAX_INPUTS + " inputs are allowed per request, got " + input.size() + ".");
        }
        JsonNode first = input.get(0);
        if (first.isNumber()) return List.of(tokens(body, input, "input"));
        List<Input> inputs = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode element = input.get(i);
            String param = "input[" + i + "]";
            if (first.isString() && element.isString()) {
                inputs.add(text(body, element, param));
            } else if (first.isArray() && element.isArray()) {
                inputs.add(tokens(body, element, param));
            } else if (first.isString() || first.isArray()) {
                throw body.wrongType(param, first.isString() ? "a string, as input[0] is" : "an array of token ids, as input[0] is", element);
            } else {
                throw body.wrongType(param, INPUT_FORMS, element);
            }
        }
        return inputs;
    }

    private static Input text(JsonFields body, JsonNode node, String param) {
        String text = node.stringValue();
        if (text.isEmpty()) throw body.invalid(param, "an input must not be empty.");
        return new Input.Text(text);
    }

    private static Input tokens(JsonFields body, JsonNode array, String param) {
        if (array.isEmpty()) throw body.invalid(param, "an input must not be empty.");
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            JsonNode token = array.get(i);
            if (!token.isIntegralNumber()) throw body.wrongType(param + "[" + i + "]", "a token id (an integer)", token);
            if (!token.canConvertToInt() || token.intValue() < 0) {
                throw body.invalid(param + "[" + i + "]", "token id " + token + " does not exist.");
            }
            tokens[i] = token.intValue();
        }
        return new Input.Tokens(tokens);
    }
}
