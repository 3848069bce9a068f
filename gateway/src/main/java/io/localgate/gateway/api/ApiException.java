package io.localgate.gateway.api;

import org.springframework.http.HttpStatus;

/** A request that fails with an OpenAI error envelope {@code {"error":{"message","type","param","code"}}}. */
public class ApiException extends RuntimeException {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(HttpStatus status, String type, String param, String code, String message) {
        this(status, type, param, code, message, null);
    }

    public ApiException(HttpStatus status, String type, String param, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 for a request that names something wrong in one parameter. */
    public static ApiException invalidRequest(String param, String code, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, INVALID_REQUEST, param, code, message);
    }

    public HttpStatus status() {
        return status;
    }

    /** The JSON body. */
    public OpenAiObjects.ErrorEnvelope envelope() {
        return new OpenAiObjects.ErrorEnvelope(new OpenAiObjects.ErrorBody(getMessage(), type, param, code));
    }
}
