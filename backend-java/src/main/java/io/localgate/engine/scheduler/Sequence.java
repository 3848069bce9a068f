package io.localgate.engine.scheduler;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.TokenPublisher;
import io.localgate.engine.grammar.Grammar;
import io.localgate.engine.sampling.Sampler;
import java.util.Arrays;

/** One generation as the scheduler loop tracks it: its slot, how much of the prompt is in the cache, what it produced. */
final class Sequence {

    final GenerationRequest request;
    final int[] prompt;
    final int[] stopTokens;
    TokenPublisher publisher;
    Sampler sampler;
    /** The output's grammar, or null. */
    Grammar grammar;
    int slot = -1;
    /** Prompt tokens already in the KV cache. */
    int prefilled;
    int generated;
    int lastToken;
    /** This step's logits row, or -1. */
    int output = -1;

    Sequence(GenerationRequest request) {
        this.request = request;
        this.prompt = request.prompt();
        this.stopTokens = request.stopTokens();
        Arrays.sort(stopTokens);
    }

    boolean prefilling() {
        return prefilled < prompt.length;
    }

    /** Where the last sampled token goes in the cache. */
    int nextPosition() {
        return prompt.length + generated - 1;
    }

    boolean isStopToken(int token) {
        return Arrays.binarySearch(stopTokens, token) >= 0;
    }
}
