package io.localgate.backend;

import java.util.Objects;

/**
 * One sequence to generate.
 *
 * @param prompt      the prompt as token ids (already with BOS where wanted); not empty
 * @param sampling    how tokens are chosen
 * @param maxTokens   the most tokens to generate; the backend also stops at the end of its context
 * @param topLogprobs how many most likely alternatives to report with each token (0: none)
 * @param stopTokens  extra token ids that end the generation, beside the model's end-of-generation tokens
 * @param grammar     a GBNF grammar (llama.cpp's {@code grammars/README.md}) whose rule {@code root} the output must
 *                    match, or null for none; the generation ends with an end-of-generation token once the grammar
 *                    is complete. A backend rejects a grammar that does not parse with {@link IllegalArgumentException}
 * @param logprobs    whether each token reports its own log-probability; without, {@link TokenEvent.Token#logprob()} is NaN
 *                    and the backend skips the log-softmax over the vocabulary (a pass of exponentials per token and
 *                    sequence). Alternatives ({@code topLogprobs > 0}) need it
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int topLogprobs, int[] stopTokens, String grammar,
                                boolean logprobs) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(stopTokens, "stopTokens");
        if (prompt.length == 0) throw new IllegalArgumentException("prompt must not be empty");
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0: " + maxTokens);
        if (topLogprobs < 0) throw new IllegalArgumentException("topLogprobs must be >= 0: " + topLogprobs);
        if (topLogprobs > 0 && !logprobs) throw new IllegalArgumentException("topLogprobs needs logprobs");
        prompt = prompt.clone();
        stopTokens = stopTokens.clone();
    }

    /** A request whose tokens report their log-probabilities. */
    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int topLogprobs, int[] stopTokens, String grammar) {
        this(prompt, sampling, maxTokens, topLogprobs, stopTokens, grammar, true);
    }

    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int topLogprobs, int[] stopTokens) {
        this(prompt, sampling, maxTokens, topLogprobs, stopTokens, null);
    }

    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens) {
        this(prompt, sampling, maxTokens, 0, new int[0], null);
    }

    /** The same request constrained by a GBNF grammar (null: none). */
    public GenerationRequest withGrammar(String gbnf) {
        return new GenerationRequest(prompt, sampling, maxTokens, topLogprobs, stopTokens, gbnf, logprobs);
    }

    /** The same request with its tokens' log-probabilities wanted or not (not: no alternatives either). */
    public GenerationRequest withLogprobs(boolean wanted) {
        return new GenerationRequest(prompt, sampling, maxTokens, wanted ? topLogprobs : 0, stopTokens, grammar, wanted);
    }

    /**
     * Checks the prompt against a loaded model, the same way for every backend.
     *
     * @throws IllegalArgumentException when the prompt leaves no room in the context for a generated token
     *                                  or names a token outside the vocabulary
     */
    public void requireFits(int contextSize, int vocabSize) {
        if (prompt.length >= contextSize) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds " + contextSize
                    + " (prompt and output together)");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocabSize) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at index " + i + " is outside the vocabulary (0.."
                        + (vocabSize - 1) + ")");
            }
        }
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }
}
