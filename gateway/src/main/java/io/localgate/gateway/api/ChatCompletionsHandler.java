package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.AssistantMessage;
import io.localgate.gateway.api.OpenAiObjects.ChatChoice;
import io.localgate.gateway.api.OpenAiObjects.ChatCompletion;
import io.localgate.gateway.api.OpenAiObjects.ChatCompletionChunk;
import io.localgate.gateway.api.OpenAiObjects.ChunkChoice;
import io.localgate.gateway.api.OpenAiObjects.Delta;
import io.localgate.gateway.api.OpenAiObjects.Usage;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.registry.ModelRegistry;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions}. The model loads, the template renders and the prompt tokenizes on
 * bounded-elastic threads, never on the event loop; tokens then arrive on the backend's threads.
 */
@Component
class ChatCompletionsHandler {

    private final ModelRegistry registry;
    private final JsonMapper jsonMapper;

    ChatCompletionsHandler(ModelRegistry registry, JsonMapper jsonMapper) {
        this.registry = registry;
        this.jsonMapper = jsonMapper;
    }

    Mono<ServerResponse> create(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper)
                .map(ChatCompletionRequest::read)
                .flatMap(chat -> Mono.fromSupplier(() -> registry.get(chat.model()))
                        .flatMap(model -> model.serve())
                        .publishOn(Schedulers.boundedElastic())
                        .map(model -> PreparedGeneration.of(model, model.chat().tokenize(chat.messages()),
                                chat.options().orElse(model.config().defaults()), "messages"))
                        .flatMap(generation -> chat.stream()
                                ? stream(request, chat, generation)
                                : complete(chat, generation)));
    }

    private Mono<ServerResponse> complete(ChatCompletionRequest chat, PreparedGeneration generation) {
        return Mono.defer(() -> {
            var text = new StringBuilder();
            return generation.run()
                    .doOnNext(event -> {
                        if (event instanceof GenerationEvent.Text piece) text.append(piece.text());
                    })
                    .ofType(GenerationEvent.Done.class)
                    .single()
                    .flatMap(done -> ServerResponse.ok().bodyValue(new ChatCompletion(completionId(), now(), chat.model(),
                            List.of(new ChatChoice(0, new AssistantMessage(text.toString()), null, done.finish().apiName())),
                            new Usage(done.promptTokens(), done.completionTokens()))));
        });
    }

    private Mono<ServerResponse> stream(ServerRequest request, ChatCompletionRequest chat, PreparedGeneration generation) {
        String id = completionId();
        long created = now();
        var first = chunk(id, created, chat, new Delta("assistant", ""), null);
        // delayError: a failure must reach the client after the text generated before it (see TextGeneration)
        Flux<ChatCompletionChunk> rest = generation.run().concatMapDelayError(event -> switch (event) {
            case GenerationEvent.Text piece -> Flux.just(chunk(id, created, chat, new Delta(null, piece.text()), null));
            case GenerationEvent.Done done -> {
                var finish = chunk(id, created, chat, new Delta(null, null), done.finish().apiName());
                yield chat.includeUsage()
                        ? Flux.just(finish, new ChatCompletionChunk(id, created, chat.model(), List.of(),
                                new Usage(done.promptTokens(), done.completionTokens())))
                        : Flux.just(finish);
            }
        });
        return ServerSentEvents.respond(request, Flux.concat(Mono.just(first), rest), jsonMapper);
    }

    private static ChatCompletionChunk chunk(String id, long created, ChatCompletionRequest chat, Delta delta, String finishReason) {
        return new ChatCompletionChunk(id, created, chat.model(), List.of(new ChunkChoice(0, delta, null, finishReason)), null);
    }

    private static String completionId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
