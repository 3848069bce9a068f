package io.localgate.gateway.api;

import io.localgate.gateway.json.JsonFields;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a request body as one JSON object. Parsed here rather than bound to classes so that each
 * handler checks every field's type itself and names it in errors, while unknown fields (clients send
 * many) pass.
 */
final class JsonRequestBody {

    private JsonRequestBody() {
    }

    /**
     * The body's top-level object. A Content-Type other than JSON is a 415 (none at all is taken as JSON);
     * a body over {@code spring.http.codecs.max-in-memory-size} a 413; malformed JSON a 400.
     */
    static Mono<JsonFields> read(ServerRequest request, JsonMapper jsonMapper) {
        var contentType = request.headers().contentType();
        if (contentType.isPresent() && !isJson(contentType.get())) {
            return Mono.error(new UnsupportedMediaTypeStatusException(contentType.get(), java.util.List.of(MediaType.APPLICATION_JSON)));
        }
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .map(bytes -> JsonFields.of(parse(bytes, jsonMapper), ""));
    }

    private static JsonNode parse(byte[] bytes, JsonMapper jsonMapper) {
        if (bytes.length == 0) {
            throw ApiException.invalidRequest(null, "invalid_json", "The request body is empty; it must be a JSON object.");
        }
        try {
            return jsonMapper.readTree(bytes);
        } catch (JacksonException e) {
            throw ApiException.invalidRequest(null, "invalid_json",
                    "The request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean isJson(MediaType type) {
        return MediaType.APPLICATION_JSON.isCompatibleWith(type)
                || (type.getSubtypeSuffix() != null && type.getSubtypeSuffix().equals("json"));
    }
}
