package io.localgate.gateway.admission;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A response whose event stream stops when its request must end (time limit, shutdown): the stream is
 * cancelled between two events, which cancels the generation behind it and frees its slot, and one last
 * {@code data: {"error": {...}}} event says why, as a failure after the 200 is told in an OpenAI stream.
 */
final class EndingResponse extends ServerHttpResponseDecorator {

    private final RequestScope request;
    private final Function<RequestScope.Ending, String> errorJson;

    /** @param errorJson the error envelope, as JSON, for each reason to end */
    EndingResponse(ServerHttpResponse delegate, RequestScope request, Function<RequestScope.Ending, String> errorJson) {
        super(delegate);
        this.request = request;
        this.errorJson = errorJson;
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        var type = getHeaders().getContentType();
        if (type == null || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type)) return super.writeAndFlushWith(body);
        Flux<Publisher<? extends DataBuffer>> events = Flux.<Publisher<? extends DataBuffer>>from(body)
                .takeUntilOther(request.ending())
                .concatWith(Mono.fromSupplier(() -> request.ended())
                        .map(why -> Mono.fromSupplier(() -> bufferFactory().wrap(
                                ("data: " + errorJson.apply(why) + "\n\n").getBytes(StandardCharsets.UTF_8)))));
        return super.writeAndFlushWith(events);
    }
}
