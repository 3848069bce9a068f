package io.localgate.gateway.generation;

/** What a {@link TextGeneration} streams: pieces of text, then one {@link Done}. */
public sealed interface GenerationEvent {

    /** Newly generated text: whole characters, never inside a stop string. */
    record Text(String text) implements GenerationEvent {
    }

    /**
     * The end, with the real token counts.
     *
     * @param completionTokens tokens the model generated (an end-of-generation token included)
     */
    record Done(Finish finish, int promptTokens, int completionTokens) implements GenerationEvent {
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
