package io.localgate.gateway.api;

import io.localgate.gateway.api.PreparedGeneration.OutputOptions;
import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/completions} body, checked field by field. {@code max_tokens} defaults to 16, as in
 * the OpenAI API.
 *
 * @param prompts {@code n} choices are generated per prompt, in order (prompt 0's choices first)
 */
record CompletionRequest(String model, List<String> prompts, GenerationOptions options, boolean echo, boolean stream,
                         boolean includeUsage, int n, OutputOptions output) {

    static final int DEFAULT_MAX_TOKENS = 16;
    /** As the OpenAI API: {@code logprobs} asks for up to 5 alternatives per token. */
    static final int MAX_LOGPROBS = 5;

    static CompletionRequest read(JsonFields body) {
        String model = body.requiredString("model");
        List<String> prompts = readPrompts(body);
        GenerationOptions options = GenerationOptions.read(body);
        Long n = body.integer("n", 1, ChatCompletionRequest.MAX_CHOICES);
        Long bestOf = body.integer("best_of", 1, 20);
        if (bestOf != null && bestOf != 1) throw body.unsupported("best_of", "Only best_of = 1 is supported.");
        Long logprobs = body.integer("logprobs", 0, MAX_LOGPROBS);
        String suffix = body.string("suffix");
        if (suffix != null && !suffix.isEmpty()) throw body.unsupported("suffix", "suffix (insertion) is not supported yet.");
        body.string("user"); // accepted (type-checked) and otherwise ignored
        var output = new OutputOptions(logprobs != null, logprobs == null ? 0 : logprobs.intValue(),
                ChatCompletionRequest.readLogitBias(body));
        boolean echo = Boolean.TRUE.equals(body.bool("echo"));
        boolean stream = Boolean.TRUE.equals(body.bool("stream"));
        JsonFields streamOptions = body.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        return new CompletionRequest(model, prompts, options, echo, stream, includeUsage, n == null ? 1 : n.intValue(), output);
    }

    private static List<String> readPrompts(JsonFields body) {
        JsonNode prompt = body.value("prompt");
        if (prompt == null) throw body.missing("prompt");
        if (prompt.isString()) return List.of(prompt.stringValue());
        if (!prompt.isArray()) throw body.wrongType("prompt", "a string or an array of strings", prompt);
        if (prompt.isEmpty()) throw body.invalid("prompt", "at least one prompt is required.");
        List<String> prompts = new ArrayList<>(prompt.size());
        for (JsonNode element : prompt) {
            if (element.isString()) {
                prompts.add(element.stringValue());
            } else if (element.isNumber() || element.isArray()) {
                throw body.unsupported("prompt", "Prompts given as token ids are not supported yet; send text.");
            } else {
                throw body.wrongType("prompt", "a string or an array of strings", prompt);
            }
        }
        return prompts;
    }

    /** The options with OpenAI's default {@code max_tokens} where neither request nor model sets one. */
    GenerationOptions optionsOver(GenerationOptions modelDefaults) {
        var merged = options.orElse(modelDefaults);
        return merged.maxTokens() != null ? merged : merged.withMaxTokens(DEFAULT_MAX_TOKENS);
    }
}
