package io.localgate.gateway.api;

import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Streams objects as the OpenAI API does: {@code data: <json>} events, each flushed at once, then
 * {@code data: [DONE]}. A failure once the 200 is out can only be told in the stream: it becomes a
 * {@code data: {"error": {...}}} event (the OpenAI SDKs raise on it) that ends the stream.
 */
final class ServerSentEvents {

    private static final String DONE = "[DONE]";

    private ServerSentEvents() {
    }

    static Mono<ServerResponse> respond(ServerRequest request, Flux<?> objects, JsonMapper jsonMapper) {
        Flux<String> data = objects
                .map(jsonMapper::writeValueAsString)
                .concatWith(Mono.just(DONE))
                .onErrorResume(failure -> Mono.just(
                        jsonMapper.writeValueAsString(ApiErrors.from(failure, request.exchange()).envelope())));
        BodyInserter<Flux<String>, ReactiveHttpOutputMessage> inserter = (message, context) ->
                message.writeAndFlushWith(data.map(text -> Mono.just(
                        message.bufferFactory().wrap(("data: " + text + "\n\n").getBytes(StandardCharsets.UTF_8)))));
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .header("Cache-Control", "no-cache")
                .body(inserter);
    }
}
