package io.localgate.gateway.registry;

import reactor.core.publisher.Mono;

/**
 * What a request passes before a model serves it: the gateway's admission (a bounded queue and a limit of
 * concurrent requests per model). {@link RegisteredModel#serve()} finds it in the Reactor context under
 * this class as key; without one, models serve at once.
 */
public interface ModelGate {

    /**
     * Waits (without blocking a thread) until the request may use the model; errors when it may not.
     *
     * @param config how the model is declared (its {@code parallel}, for instance)
     */
    Mono<Void> enter(String modelId, ModelConfig config);
}
