package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.ModelList;
import io.localgate.gateway.api.OpenAiObjects.ModelObject;
import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.ModelNotFoundException;
import io.localgate.gateway.registry.RegisteredModel;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: every model of the models directory, broken ones
 * included, each with its {@code capabilities} ({@code completion}, {@code chat}, {@code embeddings}; none for
 * a model that cannot serve).
 */
@Component
class ModelsHandler {

    private final ModelRegistry registry;

    ModelsHandler(ModelRegistry registry) {
        this.registry = registry;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        var models = registry.models().stream().map(model -> object(model.id(), model)).toList();
        return ServerResponse.ok().bodyValue(new ModelList(models));
    }

    /** An alias answers with the alias as {@code id}: that is the name the client can use. */
    Mono<ServerResponse> retrieve(ServerRequest request) {
        String id = request.pathVariable("id");
        return registry.find(id)
                .map(model -> ServerResponse.ok().bodyValue(object(id, model)))
                .orElseGet(() -> Mono.error(new ModelNotFoundException(id)));
    }

    private static ModelObject object(String id, RegisteredModel model) {
        List<String> capabilities = model.capabilities().stream().sorted()
                .map(capability -> capability.name().toLowerCase(Locale.ROOT)).toList();
        return new ModelObject(id, model.created(), capabilities);
    }
}
