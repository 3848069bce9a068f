package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.ModelList;
import io.localgate.gateway.api.OpenAiObjects.ModelObject;
import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.ModelNotFoundException;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: every model of the models directory, broken ones included. */
@Component
class ModelsHandler {

    private final ModelRegistry registry;

    ModelsHandler(ModelRegistry registry) {
        this.registry = registry;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        var models = registry.models().stream().map(model -> new ModelObject(model.id(), model.created())).toList();
        return ServerResponse.ok().bodyValue(new ModelList(models));
    }

    /** An alias answers with the alias as {@code id}: that is the name the client can use. */
    Mono<ServerResponse> retrieve(ServerRequest request) {
        String id = request.pathVariable("id");
        return registry.find(id)
                .map(model -> ServerResponse.ok().bodyValue(new ModelObject(id, model.created())))
                .orElseGet(() -> Mono.error(new ModelNotFoundException(id)));
    }
}
