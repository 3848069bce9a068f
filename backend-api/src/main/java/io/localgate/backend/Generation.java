package io.localgate.backend;

import java.util.concurrent.Flow;

/**
 * A running generation: a publisher of {@link TokenEvent}s (one subscriber) ending with
 * {@link TokenEvent.Finished}, or with {@code onError} when the backend fails. Cancelling (here or
 * through the subscription) frees the sequence's slot before the backend's next step.
 */
public interface Generation extends Flow.Publisher<TokenEvent> {

    void cancel();
}
