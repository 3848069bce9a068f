package io.localgate.gateway.tools;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A function call, as an assistant message carries it.
 *
 * @param id        the call's id ({@code call_...}), which the {@code tool} message answering it names
 * @param name      the function's name
 * @param arguments the arguments as a JSON text (OpenAI sends them as a string)
 */
public record ToolCall(String id, String name, String arguments) {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }

    /** A fresh id, {@code call_} and 24 random letters and digits. */
    public static String newId() {
        var id = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return id.toString();
    }

    /** The call as Hugging Face templates see it: {@code {id, type, function: {name, arguments}}}. */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", Json.parseObjectOr(arguments));
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("id", id);
        value.put("type", "function");
        value.put("function", function);
        return value;
    }
}
