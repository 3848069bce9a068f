package io.localgate.gateway.prompt;

import io.localgate.backend.ModelInfo;
import io.localgate.backend.Tokenizer;
import io.localgate.gateway.template.ChatTemplate;
import io.localgate.gateway.template.Dialect;
import io.localgate.gateway.template.TemplateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import io.localgate.gateway.tools.Tool;
import io.localgate.gateway.tools.ToolCallFormat;

/**
 * How one model turns a conversation into prompt tokens, as llama.cpp's server does: render the chat
 * template (the YAML's override, else the GGUF's {@code tokenizer.chat_template}, else ChatML), drop a
 * BOS (EOS) text the template put at the start (end) when the tokenizer adds that token itself, then
 * tokenize with special tokens parsed and BOS added. So there is never a double BOS.
 *
 * <p>Templates render in the {@link Dialect#HUGGINGFACE_JS reference-compatible dialect}: what
 * @huggingface/jinja refuses (for lack of a feature) is refused here, with its message.
 */
public final class ChatFormat {

    /** llama.cpp's fallback for models without a template (common/chat.cpp). */
    public static final String CHATML_TEMPLATE = """
            {%- for message in messages -%}
              {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
              {{- '<|im_start|>assistant\\n' -}}
            {%- endif -%}""";

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final RuntimeException compileError;
    private final String bosText;
    private final String eosText;
    private final boolean addsBos;
    private final boolean addsEos;
    private final boolean knowsDeveloperRole;
    private final ToolCallFormat toolCallFormat;
    private final Set<Integer> toolCallTokens;

    private ChatFormat(Tokenizer tokenizer, String source, String bosText, String eosText) {
        this.tokenizer = tokenizer;
        ChatTemplate compiled = null;
        RuntimeException error = null;
        try {
            // rendered as the reference engine renders: a conversation it refuses is a 400 here too
            compiled = ChatTemplate.compile(source).withDialect(Dialect.HUGGINGFACE_JS);
        } catch (TemplateException e) {
            error = e;
        }
        this.template = compiled;
        this.compileError = error;
        this.bosText = bosText;
        this.eosText = eosText;
        int[] specials = tokenizer.encode("", true, false);
        this.addsBos = tokenizer.bos() >= 0 && specials.length > 0 && specials[0] == tokenizer.bos();
        this.addsEos = tokenizer.eos() >= 0 && specials.length > (addsBos ? 1 : 0)
                && specials[specials.length - 1] == tokenizer.eos();
        // llama.cpp maps developer to system except for templates that handle it (gpt-oss)
        this.knowsDeveloperRole = source.contains("developer");
        this.toolCallFormat = ToolCallFormat.detect(source);
        int[] trigger = tokenizer.encode(toolCallFormat.trigger(), false, true);
        this.toolCallTokens = trigger.length == 1 && tokenizer.isControl(trigger[0]) ? Set.of(trigger[0]) : Set.of();
    }

    /** How this model writes tool calls. */
    public ToolCallFormat toolCallFormat() {
        return toolCallFormat;
    }

    /**
     * Control tokens that must show as text in the output because they mark a tool call (e.g. Mistral's
     * {@code [TOOL_CALLS]}), as llama.cpp's server preserves them.
     */
    public Set<Integer> toolCallTokens() {
        return toolCallTokens;
    }

    /**
     * A template that does not compile is not an error here but in each {@link #render}, so that the
     * model still serves {@code /v1/completions}.
     *
     * @param override the YAML's {@code template}, which wins over the file's
     */
    public static ChatFormat of(Optional<String> override, ModelInfo info, Tokenizer tokenizer) {
        String source = override.or(info::chatTemplate).filter(s -> !s.isBlank()).orElse(CHATML_TEMPLATE);
        return new ChatFormat(tokenizer, source, info.bosToken().orElse(""), info.eosToken().orElse(""));
    }

    /** Why the chat template does not compile, when it does not. */
    public Optional<String> templateError() {
        return Optional.ofNullable(compileError).map(RuntimeException::getMessage);
    }

    /** The prompt text: the rendered template, asking for the assistant's next message. */
    public String render(List<ChatMessage> messages) {
        return render(messages, List.of());
    }

    /**
     * The prompt text with tools: they reach the template as {@code tools}, as Hugging Face passes them
     * (left undefined when there are none). An assistant message that only calls tools has null content;
     * a template that cannot take that (it fails on it, as Qwen 3's does) gets an empty string instead,
     * as llama.cpp's template polyfills do.
     */
    public String render(List<ChatMessage> messages, List<Tool> tools) {
        if (template == null) {
            throw new PromptException(true, "The model's chat template does not compile: " + compileError.getMessage(), compileError);
        }
        boolean nullContent = messages.stream().anyMatch(message -> message.content() == null);
        String text;
        try {
            text = template.render(variables(messages, tools, null));
        } catch (TemplateException e) {
            if (!nullContent || e.raisedByTemplate()) {
                throw new PromptException(false, "The chat template rejected the messages: " + e.getMessage(), e);
            }
            try {
                text = template.render(variables(messages, tools, ""));
            } catch (TemplateException second) {
                throw new PromptException(false, "The chat template rejected the messages: " + second.getMessage(), second);
            }
        }
        if (addsBos && !bosText.isEmpty() && text.startsWith(bosText)) text = text.substring(bosText.length());
        if (addsEos && !eosText.isEmpty() && text.endsWith(eosText)) text = text.substring(0, text.length() - eosText.length());
        return text;
    }

    private Map<String, Object> variables(List<ChatMessage> messages, List<Tool> tools, String nullContent) {
        List<Map<String, Object>> values = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            String role = message.role().equals("developer") && !knowsDeveloperRole ? "system" : message.role();
            values.add(message.toTemplateValue(role, nullContent));
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", values);
        if (!tools.isEmpty()) variables.put("tools", Tool.templateValues(tools));
        variables.put("add_generation_prompt", true);
        variables.put("bos_token", bosText);
        variables.put("eos_token", eosText);
        return variables;
    }

    /** The prompt tokens for these messages. */
    public int[] tokenize(List<ChatMessage> messages) {
        return tokenize(messages, List.of());
    }

    /** The prompt tokens for these messages and tools. */
    public int[] tokenize(List<ChatMessage> messages, List<Tool> tools) {
        return tokenizer.encode(render(messages, tools), true, true);
    }
}
