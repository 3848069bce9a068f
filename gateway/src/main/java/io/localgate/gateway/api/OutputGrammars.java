package io.localgate.gateway.api;

import io.localgate.gateway.prompt.ChatFormat;
import io.localgate.gateway.schema.JsonSchemaGrammar;
import io.localgate.gateway.schema.UnsupportedSchemaException;
import io.localgate.gateway.tools.ToolCallGrammar;

/** The grammar a chat's output must follow: from {@code response_format}, or a forced tool call; null for none. */
final class OutputGrammars {

    private OutputGrammars() {
    }

    static String forChat(ChatCompletionRequest chat, ChatFormat format) {
        if (chat.tools().forced()) {
            try {
                return ToolCallGrammar.of(chat.tools(), format.toolCallFormat(), format.toolCallTokens().isEmpty());
            } catch (UnsupportedSchemaException e) {
                throw ApiException.invalidRequest("tools", "invalid_value",
                        "A tool's parameters cannot be enforced: " + e.getMessage());
            }
        }
        return switch (chat.responseFormat()) {
            case ResponseFormat.Text text -> null;
            case ResponseFormat.JsonObject object -> JsonSchemaGrammar.anyJsonObject();
            case ResponseFormat.JsonSchema schema -> {
                try {
                    yield JsonSchemaGrammar.fromSchema(schema.schema());
                } catch (UnsupportedSchemaException e) {
                    throw ApiException.invalidRequest("response_format", "invalid_value",
                            "response_format.json_schema.schema is not supported: " + e.getMessage());
                }
            }
        };
    }
}
