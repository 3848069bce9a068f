package io.localgate.backend;

import java.util.concurrent.Flow;

/**
 * A running generation: a publisher of {@link TokenEvent}s (one subscriber) ending with
 * {@link TokenEvent.Finished}, or with {@code onError} when the backend fails. Cancelling (here or
 * through the subscription) frees the sequence's slot before the backend's next step.
 */
public interface Generation extends Flow.Publisher<TokenEvent> {

    void cancel();

    /**
     * Prompt tokens the backend took from its cache instead of computing, as {@link TokenEvent.Finished#cachedTokens()}
     * reports at the end; known once the first token has been published (for a consumer that stops early, at a
     * stop string). 0 before, and for backends that do not reuse prompts.
     */
    default int cachedTokens() {
        return 0;
    }
}
