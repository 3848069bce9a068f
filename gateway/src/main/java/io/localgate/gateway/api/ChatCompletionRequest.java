package io.localgate.gateway.api;

import io.localgate.gateway.api.PreparedGeneration.OutputOptions;
import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.json.JsonFields;
import io.localgate.gateway.prompt.ChatMessage;
import io.localgate.gateway.tools.ToolCall;
import io.localgate.gateway.tools.ToolUse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/chat/completions} body, checked field by field.
 *
 * @param n       how many choices to generate for the one prompt
 * @param output  logprobs, logit bias (the grammar is added once the model is known)
 */
record ChatCompletionRequest(String model, List<ChatMessage> messages, GenerationOptions options, boolean stream,
                             boolean includeUsage, int n, OutputOptions output, ToolUse tools, ResponseFormat responseFormat) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    static final int MAX_CHAT_TOP_LOGPROBS = 20;

    static ChatCompletionRequest read(JsonFields body) {
        String model = body.requiredString("model");
        List<ChatMessage> messages = readMessages(body);
        GenerationOptions options = GenerationOptions.read(body);
        Long maxCompletionTokens = body.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxCompletionTokens != null) options = options.withMaxTokens(maxCompletionTokens.intValue());
        refuseUnsupported(body);
        boolean logprobs = Boolean.TRUE.equals(body.bool("logprobs"));
        Long topLogprobs = body.integer("top_logprobs", 0, MAX_CHAT_TOP_LOGPROBS);
        if (topLogprobs != null && topLogprobs > 0 && !logprobs) {
            throw body.invalid("top_logprobs", "'logprobs' must be true when 'top_logprobs' is set.");
        }
        var output = new OutputOptions(logprobs, topLogprobs == null ? 0 : topLogprobs.intValue(), readLogitBias(body));
        Long n = body.integer("n", 1, MAX_CHOICES);
        body.string("user"); // accepted (type-checked) and otherwise ignored
        ToolUse tools = ToolUse.read(body);
        ResponseFormat responseFormat = ResponseFormat.read(body);
        if (tools.forced() && !(responseFormat instanceof ResponseFormat.Text)) {
            throw body.invalid("response_format", "cannot be combined with a tool_choice that forces a call.");
        }
        boolean stream = Boolean.TRUE.equals(body.bool("stream"));
        JsonFields streamOptions = body.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        return new ChatCompletionRequest(model, messages, options, stream, includeUsage, n == null ? 1 : n.intValue(), output,
                tools, responseFormat);
    }

    /** The most choices ({@code n}) one request may ask for. */
    static final int MAX_CHOICES = 16;

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
        if (role.equals("function")) {
            throw message.unsupported("role", "The deprecated 'function' role is not supported; use 'tool' messages.");
        }
        if (!ROLES.contains(role)) {
            throw message.invalid("role", "'" + role + "' is not one of system, developer, user, assistant, tool.");
        }
        if (message.has("function_call")) {
            throw message.unsupported("function_call", "The deprecated 'function_call' is not supported; use 'tool_calls'.");
        }
        List<ToolCall> toolCalls = role.equals("assistant") ? readToolCalls(message) : List.of();
        if (!role.equals("assistant") && message.has("tool_calls")) {
            throw message.invalid("tool_calls", "only assistant messages carry tool calls.");
        }
        String toolCallId = null;
        if (role.equals("tool")) {
            toolCallId = message.requiredString("tool_call_id");
        }
        JsonNode content = message.value("content");
        String text;
        if (content == null) {
            // an assistant message that only calls tools has no content
            if (!role.equals("assistant")) throw message.missing("content");
            text = null;
        } else if (content.isString()) {
            text = content.stringValue();
        } else if (content.isArray()) {
            text = joinTextParts(content, message.param("content"));
        } else {
            throw message.wrongType("content", "a string or an array of content parts", content);
        }
        if (text == null && toolCalls.isEmpty()) text = "";
        return new ChatMessage(role, text, message.string("name"), toolCalls, toolCallId);
    }

    private static List<ToolCall> readToolCalls(JsonFields message) {
        JsonNode array = message.array("tool_calls");
        if (array == null) return List.of();
        List<ToolCall> calls = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonFields call = JsonFields.of(array.get(i), message.param("tool_calls") + "[" + i + "]");
            String type = call.string("type");
            if (type != null && !type.equals("function")) throw call.invalid("type", "must be 'function', got '" + type + "'.");
            JsonFields function = call.object("function");
            if (function == null) throw call.missing("function");
            JsonNode arguments = function.value("arguments");
            String argumentsText;
            if (arguments == null) argumentsText = "{}";
            else if (arguments.isString()) argumentsText = arguments.stringValue();
            else if (arguments.isObject()) argumentsText = arguments.toString(); // lenient, as llama.cpp's server
            else throw function.wrongType("arguments", "a JSON string", arguments);
            String id = call.string("id");
            calls.add(new ToolCall(id != null ? id : ToolCall.newId(), function.requiredString("name"), argumentsText));
        }
        return calls;
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

    private static void refuseUnsupported(JsonFields body) {
        if (body.has("functions")) throw body.unsupported("functions", "The deprecated 'functions' are not supported; use 'tools'.");
        if (body.has("function_call")) {
            throw body.unsupported("function_call", "The deprecated 'function_call' is not supported; use 'tool_choice'.");
        }
    }

    /**
     * {@code logit_bias}: token ids (as strings, the JSON way) to a bias in [-100, 100], as OpenAI defines it.
     * The ids are checked against the model's vocabulary once it is known.
     */
    static Map<Integer, Double> readLogitBias(JsonFields body) {
        JsonFields logitBias = body.object("logit_bias");
        if (logitBias == null) return Map.of();
        Map<Integer, Double> bias = new HashMap<>();
        for (String key : logitBias.names()) {
            int token;
            try {
                token = Integer.parseInt(key);
            } catch (NumberFormatException e) {
                throw body.invalid("logit_bias", "keys must be token ids (integers as strings), got '" + key + "'.");
            }
            if (token < 0) throw body.invalid("logit_bias", "token ids are not negative, got " + token + ".");
            Double value = logitBias.number(key, -100, 100);
            if (value != null) bias.put(token, value);
        }
        return bias;
    }
}
