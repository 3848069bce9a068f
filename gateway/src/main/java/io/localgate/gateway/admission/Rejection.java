package io.localgate.gateway.admission;

import io.localgate.gateway.api.ApiException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * A request refused (or ended) by the serving layer rather than by a handler: its OpenAI error, the headers
 * that go with it, and the reason it is counted under in {@code localgate.rejected.requests}.
 */
final class Rejection extends RuntimeException {

    private final ApiException error;
    private final HttpHeaders headers;
    private final String reason;

    private Rejection(ApiException error, HttpHeaders headers, String reason) {
        super(error.getMessage(), null, false, false);
        this.error = error;
        this.headers = headers;
        this.reason = reason;
    }

    ApiException error() {
        return error;
    }

    HttpHeaders headers() {
        return headers;
    }

    String reason() {
        return reason;
    }

    static Rejection invalidApiKey(boolean keyGiven) {
        var headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        return new Rejection(new ApiException(HttpStatus.UNAUTHORIZED, ApiException.INVALID_REQUEST, null, "invalid_api_key",
                keyGiven
                        ? "Incorrect API key provided. Send one of this server's keys as 'Authorization: Bearer KEY'."
                        : "You didn't provide an API key. Send one as 'Authorization: Bearer KEY'."),
                headers, "invalid_api_key");
    }

    static Rejection rateLimited(Duration retryAfter, int requests, Duration period) {
        return new Rejection(new ApiException(HttpStatus.TOO_MANY_REQUESTS, ApiException.INVALID_REQUEST, null, "rate_limit_exceeded",
                "Rate limit reached: " + requests + " requests per " + period + " per API key. Try again in "
                        + seconds(retryAfter) + " s."),
                retryAfter(retryAfter), "rate_limited");
    }

    static Rejection queueFull(String model, int running, int queued, Duration retryAfter) {
        return new Rejection(new ApiException(HttpStatus.TOO_MANY_REQUESTS, ApiException.INVALID_REQUEST, "model", "queue_full",
                "The model '" + model + "' is busy: " + running + " requests running and " + queued
                        + " waiting, the most it takes. Try again in " + seconds(retryAfter) + " s."),
                retryAfter(retryAfter), "queue_full");
    }

    static Rejection timedOut(Duration limit) {
        return new Rejection(new ApiException(HttpStatus.GATEWAY_TIMEOUT, ApiException.SERVER_ERROR, null, "request_timeout",
                "The request took longer than the limit of " + limit + " (localgate.admission.request-timeout) and was stopped."),
                new HttpHeaders(), "timeout");
    }

    static Rejection shuttingDown() {
        var headers = new HttpHeaders();
        headers.set(HttpHeaders.CONNECTION, "close");
        return new Rejection(new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiException.SERVER_ERROR, null, "server_shutting_down",
                "The server is shutting down; send the request to another instance or try again later."),
                headers, "shutting_down");
    }

    private static HttpHeaders retryAfter(Duration wait) {
        var headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(seconds(wait)));
        return headers;
    }

    /** Whole seconds, rounded up, at least 1: what {@code Retry-After} takes. */
    private static long seconds(Duration wait) {
        long seconds = (wait.toMillis() + 999) / 1000;
        return Math.max(1, seconds);
    }
}
