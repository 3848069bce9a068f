package io.localgate.backend;

import java.util.List;

/** What a {@link Generation} publishes: tokens as they are chosen, then one {@link Finished}. */
public sealed interface TokenEvent {

    /**
     * A generated token.
     *
     * @param id      the token id
     * @param logprob its log-probability (see {@link Logprobs}); NaN when the request did not ask for it
     * @param top     the most likely tokens at that step, best first (empty unless asked for)
     */
    record Token(int id, float logprob, List<Alternative> top) implements TokenEvent {
        public Token {
            top = List.copyOf(top);
        }
    }

    /** One of the most likely tokens at a step. */
    record Alternative(int id, float logprob) {
    }

    /**
     * The end of a generation; always the last event.
     *
     * @param promptTokens     tokens in the prompt
     * @param cachedTokens     prompt tokens that were not recomputed (reused from an earlier sequence)
     * @param generatedTokens  tokens generated (including a final end-of-generation token)
     */
    record Finished(FinishReason reason, int promptTokens, int cachedTokens, int generatedTokens) implements TokenEvent {
    }
}
