package io.localgate.gateway.api;

import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.json.JsonFields;
import io.localgate.gateway.prompt.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/chat/completions} body, checked field by field. Parameters of features that come
 * later (several choices, logprobs, tools, structured output) are refused with a 400 naming them rather
 * than silently ignored; their neutral values ({@code n: 1}, {@code logprobs: false}, ...) pass.
 */
record ChatCompletionRequest(String model, List<ChatMessage> messages, GenerationOptions options, boolean stream,
                             boolean includeUsage) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    static ChatCompletionRequest read(JsonFields body) {
        String model = body.requiredString("model");
        List<ChatMessage> messages = readMessages(body);
        GenerationOptions options = GenerationOptions.read(body);
        Long maxCompletionTokens = body.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxCompletionTokens != null) options = options.withMaxTokens(maxCompletionTokens.intValue());
        refuseLaterFeatures(body);
        boolean stream = Boolean.TRUE.equals(body.bool("stream"));
        JsonFields streamOptions = body.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        return new ChatCompletionRequest(model, messages, options, stream, includeUsage);
    }

    private static List<ChatMessage> readMessages(JsonFields body) {
        JsonNode array = body.array("messages");
        if (array == null) throw body.missing("messages");
        if (array.isEmpty()) throw body.invalid("messages", "at least one message is required.");
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            messages.add(readMessage(JsonFields.of(array.get(i), body.param("messages") + "[" + i + "]")));
        }
        return messages;
    }

    private static ChatMessage readMessage(JsonFields message) {
        String role = message.requiredString("role");
        if (role.equals("tool") || role.equals("function")) {
            throw message.unsupported("role", "Messages with the role '" + role + "' are not supported yet (tools come later).");
        }
        if (!ROLES.contains(role)) {
            throw message.invalid("role", "'" + role + "' is not one of system, developer, user, assistant.");
        }
        for (String toolField : List.of("tool_calls", "function_call")) {
            if (message.has(toolField)) throw message.unsupported(toolField, "Tool calls are not supported yet.");
        }
        JsonNode content = message.value("content");
        String text;
        if (content == null) {
            // an assistant message without content is legal (it carried tool calls, which are refused above)
            if (!role.equals("assistant")) throw message.missing("content");
            text = "";
        } else if (content.isString()) {
            text = content.stringValue();
        } else if (content.isArray()) {
            text = joinTextParts(content, message.param("content"));
        } else {
            throw message.wrongType("content", "a string or an array of content parts", content);
        }
        return new ChatMessage(role, text, message.string("name"));
    }

    /** Text parts joined with newlines, as llama.cpp does for templates that take string content. */
    private static String joinTextParts(JsonNode parts, String path) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            JsonFields part = JsonFields.of(parts.get(i), path + "[" + i + "]");
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw part.unsupported("type", "Content parts of type '" + type + "' are not supported; only 'text'.");
            }
            texts.add(part.requiredString("text"));
        }
        return String.join("\n", texts);
    }

    private static void refuseLaterFeatures(JsonFields body) {
        Long n = body.integer("n", 1, 128);
        if (n != null && n != 1) throw body.unsupported("n", "Only n = 1 is supported.");
        if (Boolean.TRUE.equals(body.bool("logprobs"))) throw body.unsupported("logprobs", "logprobs are not supported yet.");
        if (body.has("top_logprobs")) throw body.unsupported("top_logprobs", "top_logprobs are not supported yet.");
        JsonNode tools = body.array("tools");
        if (tools != null && !tools.isEmpty()) throw body.unsupported("tools", "Tools are not supported yet.");
        if (body.has("functions")) throw body.unsupported("functions", "Functions are not supported yet.");
        if (body.has("function_call")) throw body.unsupported("function_call", "Functions are not supported yet.");
        JsonNode toolChoice = body.value("tool_choice");
        if (toolChoice != null && !(toolChoice.isString() && Set.of("none", "auto").contains(toolChoice.stringValue()))) {
            throw body.unsupported("tool_choice", "Tools are not supported yet.");
        }
        JsonFields responseFormat = body.object("response_format");
        if (responseFormat != null) {
            String type = responseFormat.requiredString("type");
            if (!type.equals("text")) {
                throw body.unsupported("response_format", "response_format '" + type + "' is not supported yet; only 'text'.");
            }
        }
        refuseLogitBias(body);
    }

    static void refuseLogitBias(JsonFields body) {
        JsonFields logitBias = body.object("logit_bias");
        if (logitBias != null && !logitBias.names().isEmpty()) {
            throw body.unsupported("logit_bias", "logit_bias is not supported yet.");
        }
    }
}
