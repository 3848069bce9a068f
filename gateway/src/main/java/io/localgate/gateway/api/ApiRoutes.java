package io.localgate.gateway.api;

import static org.springframework.web.reactive.function.server.RequestPredicates.path;

import java.util.Map;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import reactor.core.publisher.Mono;

/** The OpenAI-compatible API under {@code /v1}. */
@Configuration(proxyBeanMethods = false)
class ApiRoutes {

    @Bean
    RouterFunction<ServerResponse> openAiApi(ModelsHandler models, ChatCompletionsHandler chat, CompletionsHandler completions,
                                             EmbeddingsHandler embeddings, TokenizeHandler tokenize) {
        var routes = RouterFunctions.route()
                .GET("/v1/models", models::list)
                .GET("/v1/models/{id}", models::retrieve)
                .POST("/v1/chat/completions", chat::create)
                .POST("/v1/completions", completions::create)
                .POST("/v1/embeddings", embeddings::create)
                .POST("/tokenize", tokenize::tokenize)
                .POST("/detokenize", tokenize::detokenize);
        // functional routes that match no method fall through to a 404; a known URL with the wrong method is a 405
        Map.of("/v1/models", HttpMethod.GET, "/v1/models/{id}", HttpMethod.GET,
                        "/v1/chat/completions", HttpMethod.POST, "/v1/completions", HttpMethod.POST,
                        "/v1/embeddings", HttpMethod.POST, "/tokenize", HttpMethod.POST, "/detokenize", HttpMethod.POST)
                .forEach((url, method) -> routes.route(path(url), request ->
                        Mono.error(new MethodNotAllowedException(request.method(), Set.of(method)))));
        return routes.build();
    }
}
