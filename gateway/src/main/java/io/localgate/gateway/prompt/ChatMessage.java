package io.localgate.gateway.prompt;

import io.localgate.gateway.tools.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation as a chat template sees it.
 *
 * @param role       {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param content    its text (text parts already joined), or null: an assistant message that only calls tools
 * @param name       the participant's (or the tool's) name, or null
 * @param toolCalls  the tools an assistant message called (empty otherwise)
 * @param toolCallId the call a {@code tool} message answers, or null
 */
public record ChatMessage(String role, String content, String name, List<ToolCall> toolCalls, String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = List.copyOf(toolCalls);
    }

    public ChatMessage(String role, String content, String name) {
        this(role, Objects.requireNonNull(content, "content"), name, List.of(), null);
    }

    /**
     * The message as a template variable, with {@code role} replaced. Tool-call arguments are objects
     * (as Hugging Face passes them: templates iterate or {@code tojson} them) when they parse as a JSON
     * object, else the string as sent.
     *
     * @param nullContent what a missing content becomes (null, or "" for templates that cannot take null)
     */
    Map<String, Object> toTemplateValue(String templateRole, String nullContent) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", templateRole);
        value.put("content", content != null ? content : nullContent);
        if (name != null) value.put("name", name);
        if (!toolCalls.isEmpty()) {
            List<Object> calls = new ArrayList<>(toolCalls.size());
            for (ToolCall call : toolCalls) calls.add(call.toTemplateValue());
            value.put("tool_calls", calls);
        }
        if (toolCallId != null) value.put("tool_call_id", toolCallId);
        return value;
    }
}
