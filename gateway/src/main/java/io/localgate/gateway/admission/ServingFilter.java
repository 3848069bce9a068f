package io.localgate.gateway.admission;

import io.localgate.gateway.generation.GenerationObserver;
import io.localgate.gateway.metrics.ServingMetrics;
import io.localgate.gateway.registry.ModelGate;
import io.localgate.gateway.security.ApiKeyProperties;
import io.localgate.gateway.security.ApiKeys;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.json.JsonMapper;

/**
 * The serving layer around every API request (every path but the open ones: health and metrics), in this
 * order: refused while shutting down (503), API key (401), rate limit (429); then the handler runs with a
 * {@link RequestScope} in its Reactor context, where models admit it (a queue per model, 429 when full)
 * and generations report their tokens; the request is ended at its time limit or at the end of a shutdown's
 * grace period. Errors are written here, so that the request's metrics see the status it got.
 */
@Component
class ServingFilter implements WebFilter, Ordered {

    /** The {@code endpoint} label of a request that matched no route (refused before routing, or unknown). */
    static final String UNMATCHED = "unmatched";
    private static final int CLIENT_CLOSED = 499;
    private static final Logger log = LoggerFactory.getLogger(ServingFilter.class);

    private final List<PathPattern> openPaths;
    private final ApiKeys keys;
    private final Admission admission;
    private final GracefulDrain drain;
    private final ServingMetrics metrics;
    private final JsonMapper jsonMapper;
    private final List<WebExceptionHandler> errorHandlers;

    ServingFilter(ApiKeyProperties keyProperties, Admission admission, GracefulDrain drain, ServingMetrics metrics,
                  JsonMapper jsonMapper, ObjectProvider<WebExceptionHandler> errorHandlers) {
        this.openPaths = keyProperties.openPaths().stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.keys = ApiKeys.of(keyProperties);
        if (keys.required()) log.info("API keys: {} configured; every path but {} needs one", keys.count(), keyProperties.openPaths());
        else log.info("API keys: none configured; the API is open to anyone who can reach it");
        this.admission = admission;
        this.drain = drain;
        this.metrics = metrics;
        this.jsonMapper = jsonMapper;
        this.errorHandlers = errorHandlers.orderedStream().toList();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        var path = exchange.getRequest().getPath().pathWithinApplication();
        if (openPaths.stream().anyMatch(pattern -> pattern.matches(path))) return chain.filter(exchange);
        var request = new RequestScope(admission, metrics);
        Mono<Void> served = Mono.defer(() -> {
            if (!drain.admitting()) throw Rejection.shuttingDown();
            String client = authenticate(exchange);
            admission.checkRate(client);
            drain.started(request);
            request.limitTo(admission.requestTimeout());
            var ending = exchange.mutate()
                    .response(new EndingResponse(exchange.getResponse(), request, why -> errorJson(endingRejection(why))))
                    .build();
            Mono<Void> handled = chain.filter(ending)
                    .contextWrite(context -> context.put(ModelGate.class, request).put(GenerationObserver.class, request));
            // ended before anything was sent: an HTTP error; after, the event stream tells it (see EndingResponse)
            Mono<Void> endedEarly = request.ending().flatMap(why -> exchange.getResponse().isCommitted()
                    ? Mono.never()
                    : Mono.error(endingRejection(why)));
            return Mono.firstWithSignal(handled, endedEarly);
        });
        return withErrorsWritten(exchange, request, served).doFinally(signal -> finish(exchange, request, signal));
    }

    private String authenticate(ServerWebExchange exchange) {
        if (!keys.required()) return "api";
        return keys.identify(exchange.getRequest())
                .map(id -> "api-" + id)
                .orElseThrow(() -> Rejection.invalidApiKey(exchange.getRequest().getHeaders().containsHeader("Authorization")));
    }

    private Rejection endingRejection(RequestScope.Ending why) {
        return switch (why) {
            case TIMEOUT -> Rejection.timedOut(admission.requestTimeout());
            case SHUTDOWN -> Rejection.shuttingDown();
        };
    }

    private String errorJson(Rejection rejection) {
        return jsonMapper.writeValueAsString(rejection.error().envelope());
    }

    /** Writes an error as the error handlers would after this filter, but here, where its status is counted. */
    private Mono<Void> withErrorsWritten(ServerWebExchange exchange, RequestScope request, Mono<Void> served) {
        Mono<Void> written = served.onErrorResume(Rejection.class, rejection -> {
            // a request ended early is counted as it finishes, whether it had sent anything or not
            if (request.ended() == null) metrics.rejected(rejection.reason(), request.model());
            return write(exchange, rejection);
        });
        for (WebExceptionHandler handler : errorHandlers) {
            written = written.onErrorResume(failure -> handler.handle(exchange, failure));
        }
        return written;
    }

    private Mono<Void> write(ServerWebExchange exchange, Rejection rejection) {
        var response = exchange.getResponse();
        if (response.isCommitted()) return Mono.error(rejection);
        response.setStatusCode(rejection.error().status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().putAll(rejection.headers());
        byte[] body = jsonMapper.writeValueAsBytes(rejection.error().envelope());
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    private void finish(ServerWebExchange exchange, RequestScope request, SignalType signal) {
        request.finish();
        drain.finished(request);
        var response = exchange.getResponse();
        HttpStatusCode status = response.getStatusCode();
        int code = signal == SignalType.CANCEL && !response.isCommitted() ? CLIENT_CLOSED
                : status != null ? status.value() : 200;
        PathPattern route = exchange.getAttribute(RouterFunctions.MATCHING_PATTERN_ATTRIBUTE);
        metrics.request(route != null ? route.getPatternString() : UNMATCHED, request.model(), code,
                System.nanoTime() - request.arrival());
        var ended = request.ended();
        if (ended == RequestScope.Ending.TIMEOUT) {
            admission.timeLimiter().onError(new TimeoutException("request time limit"));
        } else if (request.limited()) {
            admission.timeLimiter().onSuccess();
        }
        if (ended != null) metrics.rejected(endingRejection(ended).reason(), request.model());
    }
}
