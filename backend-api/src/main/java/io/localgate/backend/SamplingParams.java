package io.localgate.backend;

import java.util.Map;

/**
 * How the next token is chosen from the logits, in the order of llama.cpp's sampler chain:
 * logit bias, penalties, top-k, top-p, min-p, temperature, then a seeded draw. A temperature of 0
 * (or below) is greedy: the highest logit wins, and no other setting matters.
 *
 * @param temperature      0 or less: greedy
 * @param topK             0 or less: disabled
 * @param topP             1.0: disabled
 * @param minP             0.0: disabled
 * @param seed             the random stream; the same seed with the same inputs gives the same tokens
 * @param repeatPenalty    1.0: disabled (divides positive logits, multiplies negative ones, as llama.cpp)
 * @param penaltyLastN     how many of the last tokens the penalties look at; -1: the whole context
 * @param presencePenalty  subtracted once from the logit of every token already present
 * @param frequencyPenalty subtracted per occurrence of a token already present
 * @param logitBias        added to the logit of a token id; negative infinity bans it
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        long seed,
        float repeatPenalty,
        int penaltyLastN,
        float presencePenalty,
        float frequencyPenalty,
        Map<Integer, Float> logitBias) {

    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of());

    public SamplingParams {
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        if (!(topP > 0f && topP <= 1f)) throw new IllegalArgumentException("topP must be in (0, 1]: " + topP);
        if (!(minP >= 0f && minP <= 1f)) throw new IllegalArgumentException("minP must be in [0, 1]: " + minP);
        if (!(repeatPenalty > 0f)) throw new IllegalArgumentException("repeatPenalty must be > 0: " + repeatPenalty);
        if (penaltyLastN < -1) throw new IllegalArgumentException("penaltyLastN must be >= -1: " + penaltyLastN);
        logitBias = Map.copyOf(logitBias);
    }

    public boolean greedy() {
        return temperature <= 0f;
    }

    public boolean penalised() {
        return repeatPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, minP, newSeed, repeatPenalty, penaltyLastN,
                presencePenalty, frequencyPenalty, logitBias);
    }
}
