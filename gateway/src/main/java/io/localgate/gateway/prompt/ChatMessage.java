package io.localgate.gateway.prompt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation as a chat template sees it.
 *
 * @param role    {@code system}, {@code developer}, {@code user} or {@code assistant}
 * @param content its text (text parts already joined)
 * @param name    the participant's name, or null
 */
public record ChatMessage(String role, String content, String name) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** The message as a template variable, with {@code role} replaced. */
    Map<String, Object> toTemplateValue(String templateRole) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", templateRole);
        value.put("content", content);
        if (name != null) value.put("name", name);
        return value;
    }
}
