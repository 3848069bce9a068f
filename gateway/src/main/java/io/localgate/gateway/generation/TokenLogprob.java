package io.localgate.gateway.generation;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One generated token with its log-probability and the most likely alternatives at its step.
 *
 * @param token      the token's text (control tokens spelt out; a piece of a multi-byte character
 *                   decodes lossily, {@code bytes} has the exact bytes)
 * @param textOffset where the token's text starts in the generated text, in chars
 * @param top        the most likely tokens at that step, best first
 */
public record TokenLogprob(String token, byte[] bytes, float logprob, int textOffset, List<Alternative> top) {

    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** A candidate token at one step. */
    public record Alternative(String token, byte[] bytes, float logprob) {
        static Alternative of(byte[] bytes, float logprob) {
            return new Alternative(new String(bytes, StandardCharsets.UTF_8), bytes, logprob);
        }
    }
}
