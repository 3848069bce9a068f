package io.localgate.gateway.api;

import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error response is an OpenAI error envelope, Spring's own included (unknown URL, wrong method,
 * unsupported media type, body too large). Replaces Spring Boot's default error handler and runs before
 * it.
 */
@Component
@Order(-2)
class OpenAiErrorHandler implements ErrorWebExceptionHandler {

    private final JsonMapper jsonMapper;

    OpenAiErrorHandler(JsonMapper jsonMapper) {
        this.jsonMapper = jsonMapper;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        var response = exchange.getResponse();
        if (response.isCommitted()) return Mono.error(failure);
        ApiException error = ApiErrors.from(failure, exchange);
        response.setStatusCode(error.status());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (failure instanceof ResponseStatusException status) {
            headers.putAll(status.getHeaders());
        }
        byte[] body = jsonMapper.writeValueAsBytes(error.envelope());
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
