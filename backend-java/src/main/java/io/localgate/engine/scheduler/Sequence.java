package io.localgate.engine.scheduler;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.TokenPublisher;
import io.localgate.engine.grammar.GrammarMatcher;
import io.localgate.engine.sampling.Sampler;
import java.util.Arrays;

/** One generation as the scheduler loop tracks it: its slot, how much of the prompt is in the cache, what it produced. */
final class Sequence {

    final GenerationRequest request;
    final int[] prompt;
    final int[] stopTokens;
    TokenPublisher publisher;
    Sampler sampler;
    /** Where the output stands in its grammar, or null when it has none. */
    GrammarMatcher matcher;
    int slot = -1;
    /** Prompt tokens already in the KV cache. */
    int prefilled;
    /** Prompt tokens taken from the cache rather than computed. */
    int reused;
    /**
     * A sequence being prefilled with the same start of prompt: this one computes nothing until the leader
     * has cached {@link #promised} rows, then copies them. Null when not waiting.
     */
    Sequence leader;
    int promised;
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

    boolean followsLeader() {
        return leader != null;
    }

    /** Where the last sampled token goes in the cache. */
    int nextPosition() {
        return prompt.length + generated - 1;
    }

    boolean isStopToken(int token) {
        return Arrays.binarySearch(stopTokens, token) >= 0;
    }
}
