package io.localgate.gateway.api;

import io.localgate.gateway.json.InvalidFieldException;
import io.localgate.gateway.prompt.PromptException;
import io.localgate.gateway.registry.ModelNotFoundException;
import io.localgate.gateway.registry.ModelUnavailableException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Turns any failure into the OpenAI error it is: client faults are 4xx with the parameter they concern;
 * everything unexpected is a 500 with its message, and logged.
 */
final class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {
    }

    static ApiException from(Throwable failure, ServerWebExchange exchange) {
        if (failure instanceof ApiException api) return api;
        if (failure instanceof InvalidFieldException invalid) {
            return ApiException.invalidRequest(invalid.field(), invalid.code(), invalid.getMessage());
        }
        if (failure instanceof ModelNotFoundException notFound) {
            return new ApiException(HttpStatus.NOT_FOUND, ApiException.INVALID_REQUEST, "model", "model_not_found",
                    notFound.getMessage());
        }
        if (failure instanceof ModelUnavailableException unavailable) return fromUnavailable(unavailable);
        if (failure instanceof PromptException prompt) {
            return prompt.templateBroken()
                    ? serverFault("chat_template_invalid", prompt.getMessage(), prompt)
                    : ApiException.invalidRequest("messages", "chat_template_error", prompt.getMessage());
        }
        if (causedBy(failure, DataBufferLimitException.class)) {
            return new ApiException(HttpStatus.CONTENT_TOO_LARGE, ApiException.INVALID_REQUEST, null, "request_too_large",
                    "The request body is too large: " + rootCause(failure).getMessage());
        }
        if (failure instanceof ResponseStatusException status) return fromStatus(status, exchange);
        return serverFault("internal_error", "Internal error: " + failure, failure);
    }

    private static ApiException fromUnavailable(ModelUnavailableException e) {
        return switch (e.problem()) {
            case UNSUPPORTED -> ApiException.invalidRequest("model", "model_not_supported", e.getMessage());
            case WRONG_CAPABILITY -> ApiException.invalidRequest("model", "model_not_supported", e.getMessage());
            case BROKEN_FILE -> serverFault("model_load_failed", e.getMessage(), null);
            case BROKEN_CONFIG -> serverFault("model_config_invalid", e.getMessage(), null);
            case BACKEND_UNAVAILABLE -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiException.SERVER_ERROR, "model",
                    "backend_unavailable", e.getMessage());
        };
    }

    private static ApiException fromStatus(ResponseStatusException e, ServerWebExchange exchange) {
        var request = exchange.getRequest();
        String where = request.getMethod() + " " + request.getPath().value();
        HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
        if (status == null) status = HttpStatus.INTERNAL_SERVER_ERROR;
        return switch (status) {
            case NOT_FOUND -> new ApiException(status, ApiException.INVALID_REQUEST, null, "unknown_url",
                    "Unknown request URL: " + where + ". Please check the URL for typos.");
            case METHOD_NOT_ALLOWED -> new ApiException(status, ApiException.INVALID_REQUEST, null, "method_not_allowed",
                    "Method " + request.getMethod() + " is not allowed on " + request.getPath().value()
                            + (e instanceof MethodNotAllowedException m
                            ? "; use " + m.getSupportedMethods().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(" or "))
                            : "") + ".");
            case UNSUPPORTED_MEDIA_TYPE -> new ApiException(status, ApiException.INVALID_REQUEST, null, "unsupported_media_type",
                    "Unsupported Content-Type " + request.getHeaders().getContentType()
                            + ": the body must be JSON, sent with Content-Type: application/json.");
            default -> status.is5xxServerError()
                    ? serverFault(status, codeOf(status), where + ": " + e.getReason(), e)
                    : new ApiException(status, ApiException.INVALID_REQUEST, null, codeOf(status),
                            e.getReason() != null ? e.getReason() : status.getReasonPhrase());
        };
    }

    private static ApiException serverFault(String code, String message, Throwable cause) {
        return serverFault(HttpStatus.INTERNAL_SERVER_ERROR, code, message, cause);
    }

    private static ApiException serverFault(HttpStatus status, String code, String message, Throwable cause) {
        if (cause != null) log.error("{}", message, cause);
        return new ApiException(status, ApiException.SERVER_ERROR, null, code, message, cause);
    }

    private static String codeOf(HttpStatus status) {
        return status.getReasonPhrase().toLowerCase().replaceAll("[^a-z0-9]+", "_");
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return true;
        }
        return false;
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }
}
