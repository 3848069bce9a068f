package io.localgate.gateway.generation;

import java.util.List;

/** What a {@link TextGeneration} streams: pieces of text, then one {@link Done}. */
public sealed interface GenerationEvent {

    /**
     * Newly generated text: whole characters, never inside a stop string.
     *
     * @param logprobs the tokens whose text begins in this piece (empty unless log-probabilities were asked
     *                 for); the text may be empty when only tokens arrive, e.g. a token cut off at the end
     */
    record Text(String text, List<TokenLogprob> logprobs) implements GenerationEvent {
        public Text {
            logprobs = List.copyOf(logprobs);
        }

        public Text(String text) {
            this(text, List.of());
        }
    }

    /**
     * The end, with the real token counts.
     *
     * @param completionTokens tokens the model generated (an end-of-generation token included)
     * @param cachedTokens     prompt tokens the backend reused from its cache instead of computing them
     */
    record Done(Finish finish, int promptTokens, int completionTokens, int cachedTokens) implements GenerationEvent {
        public Done(Finish finish, int promptTokens, int completionTokens) {
            this(finish, promptTokens, completionTokens, 0);
        }
    }

    /** Why a generation ended, as the OpenAI API names it. */
    enum Finish {
        /** An end-of-generation token or a stop string. */
        STOP("stop"),
        /** {@code max_tokens} or the end of the context. */
        LENGTH("length");

        private final String apiName;

        Finish(String apiName) {
            this.apiName = apiName;
        }

        public String apiName() {
            return apiName;
        }
    }
}
