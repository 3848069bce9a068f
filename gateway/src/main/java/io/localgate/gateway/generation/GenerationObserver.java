package io.localgate.gateway.generation;

import io.localgate.backend.TokenEvent;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.util.context.ContextView;

/**
 * Watches the generations of a request as they run (time to first token, tokens per second, token
 * counts). {@link TextGeneration} finds it in the Reactor context under this class as key.
 */
public interface GenerationObserver {

    /**
     * A generation starts (its publisher is subscribed to).
     *
     * @return what is told each of its events, on the backend's thread
     */
    Consumer<TokenEvent> started(int promptTokens);

    /** The tokens, watched by the context's observer if there is one. */
    static Flux<TokenEvent> watch(Flux<TokenEvent> tokens, ContextView context, int promptTokens) {
        return context.<GenerationObserver>getOrEmpty(GenerationObserver.class)
                .map(observer -> tokens.doOnNext(observer.started(promptTokens)))
                .orElse(tokens);
    }
}
