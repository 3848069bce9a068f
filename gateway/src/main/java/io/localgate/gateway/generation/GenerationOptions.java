package io.localgate.gateway.generation;

import io.localgate.backend.SamplingParams;
import io.localgate.gateway.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import tools.jackson.databind.JsonNode;

/**
 * How to generate, as a request or a model's YAML {@code defaults} gives it: each field null when not
 * given. A request's options are laid over the model's defaults ({@link #orElse}), and what is still
 * unset then takes llama.cpp server's defaults ({@link #toSamplingParams}).
 *
 * @param stop up to {@value #MAX_STOP_STRINGS} non-empty strings; the output ends before the first one
 */
public record GenerationOptions(
        Double temperature,
        Double topP,
        Integer topK,
        Double minP,
        Integer maxTokens,
        Long seed,
        Double repeatPenalty,
        Double presencePenalty,
        Double frequencyPenalty,
        List<String> stop) {

    /** llama.cpp server's defaults, used for whatever neither the request nor the model's YAML sets. */
    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    public static final float DEFAULT_REPEAT_PENALTY = 1.0f;
    /** How many of the last tokens the repeat, presence and frequency penalties look at. */
    public static final int PENALTY_LAST_N = 64;
    /** As the OpenAI API. */
    public static final int MAX_STOP_STRINGS = 4;

    /** The option names, as in requests and in a model YAML's {@code defaults}. */
    public static final Set<String> NAMES = Set.of("temperature", "top_p", "top_k", "min_p", "max_tokens", "seed",
            "repeat_penalty", "presence_penalty", "frequency_penalty", "stop");

    public static final GenerationOptions NONE =
            new GenerationOptions(null, null, null, null, null, null, null, null, null, null);

    public GenerationOptions {
        stop = stop == null ? null : List.copyOf(stop);
    }

    /** Reads the options from a request body or a YAML {@code defaults} block, strictly by type and range. */
    public static GenerationOptions read(JsonFields fields) {
        Double repeatPenalty = fields.number("repeat_penalty", 0, Double.MAX_VALUE);
        if (repeatPenalty != null && repeatPenalty == 0) {
            throw fields.invalid("repeat_penalty", "must be > 0 (1 disables it), got 0.");
        }
        Long topK = fields.integer("top_k", 0, Integer.MAX_VALUE);
        Long maxTokens = fields.integer("max_tokens", 1, Integer.MAX_VALUE);
        return new GenerationOptions(
                fields.number("temperature", 0, 2),
                fields.number("top_p", 0, 1),
                topK == null ? null : topK.intValue(),
                fields.number("min_p", 0, 1),
                maxTokens == null ? null : maxTokens.intValue(),
                fields.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                repeatPenalty,
                fields.number("presence_penalty", -2, 2),
                fields.number("frequency_penalty", -2, 2),
                readStop(fields));
    }

    private static List<String> readStop(JsonFields fields) {
        JsonNode stop = fields.value("stop");
        if (stop == null) return null;
        List<String> strings = new ArrayList<>();
        if (stop.isString()) {
            strings.add(stop.stringValue());
        } else if (stop.isArray()) {
            for (JsonNode element : stop) {
                if (!element.isString()) throw fields.wrongType("stop", "a string or an array of strings", stop);
                strings.add(element.stringValue());
            }
        } else {
            throw fields.wrongType("stop", "a string or an array of strings", stop);
        }
        if (strings.size() > MAX_STOP_STRINGS) {
            throw fields.invalid("stop", "at most " + MAX_STOP_STRINGS + " stop sequences are allowed, got " + strings.size() + ".");
        }
        if (strings.stream().anyMatch(String::isEmpty)) {
            throw fields.invalid("stop", "stop sequences must not be empty.");
        }
        return strings;
    }

    /** These options, with each unset one taken from {@code fallback}. */
    public GenerationOptions orElse(GenerationOptions fallback) {
        return new GenerationOptions(
                temperature != null ? temperature : fallback.temperature,
                topP != null ? topP : fallback.topP,
                topK != null ? topK : fallback.topK,
                minP != null ? minP : fallback.minP,
                maxTokens != null ? maxTokens : fallback.maxTokens,
                seed != null ? seed : fallback.seed,
                repeatPenalty != null ? repeatPenalty : fallback.repeatPenalty,
                presencePenalty != null ? presencePenalty : fallback.presencePenalty,
                frequencyPenalty != null ? frequencyPenalty : fallback.frequencyPenalty,
                stop != null ? stop : fallback.stop);
    }

    public GenerationOptions withMaxTokens(Integer newMaxTokens) {
        return new GenerationOptions(temperature, topP, topK, minP, newMaxTokens, seed, repeatPenalty,
                presencePenalty, frequencyPenalty, stop);
    }

    public List<String> stopOrEmpty() {
        return stop == null ? List.of() : stop;
    }

    /**
     * The sampler settings, with llama.cpp server's defaults for what is unset and a fresh seed from
     * {@code randomSeed} when none is given.
     */
    public SamplingParams toSamplingParams(LongSupplier randomSeed) {
        return new SamplingParams(
                temperature != null ? temperature.floatValue() : DEFAULT_TEMPERATURE,
                topK != null ? topK : DEFAULT_TOP_K,
                // top_p 0 asks for the most likely token only; the sampler wants a positive bound for that
                topP != null ? Math.max(topP.floatValue(), Float.MIN_VALUE) : DEFAULT_TOP_P,
                minP != null ? minP.floatValue() : DEFAULT_MIN_P,
                seed != null ? seed : randomSeed.getAsLong(),
                repeatPenalty != null ? repeatPenalty.floatValue() : DEFAULT_REPEAT_PENALTY,
                PENALTY_LAST_N,
                presencePenalty != null ? presencePenalty.floatValue() : 0f,
                frequencyPenalty != null ? frequencyPenalty.floatValue() : 0f,
                Map.of());
    }
}
