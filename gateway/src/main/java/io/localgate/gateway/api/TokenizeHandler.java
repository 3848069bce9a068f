package io.localgate.gateway.api;

import io.localgate.backend.Tokenizer;
import io.localgate.gateway.json.JsonFields;
import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.RegisteredModel;
import io.localgate.gateway.registry.ServingModel;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /tokenize} and {@code POST /detokenize} as llama.cpp's server has them, plus a {@code model}
 * field to pick the model (default: the first model of the models directory, by id, that can serve).
 *
 * <ul>
 *   <li>{@code /tokenize}: {@code {"content": "...", "add_special": false, "parse_special": true,
 *       "with_pieces": false}} gives {@code {"tokens": [ids]}}, or with pieces
 *       {@code {"tokens": [{"id": 1, "piece": "text"}]}} (a piece that is not valid UTF-8 on its own is
 *       its byte values). {@code content} may also be an array mixing strings and token ids.</li>
 *   <li>{@code /detokenize}: {@code {"tokens": [ids]}} gives {@code {"content": "..."}}, special tokens
 *       rendered as their text.</li>
 * </ul>
 */
@Component
class TokenizeHandler {

    private final ModelRegistry registry;
    private final JsonMapper jsonMapper;

    TokenizeHandler(ModelRegistry registry, JsonMapper jsonMapper) {
        this.registry = registry;
        this.jsonMapper = jsonMapper;
    }

    /** One token with its text, for {@code with_pieces}. */
    record Piece(int id, Object piece) {
    }

    Mono<ServerResponse> tokenize(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper).flatMap(body -> {
            JsonNode content = body.value("content");
            if (content != null && !content.isString() && !content.isArray()) {
                throw body.wrongType("content", "a string or an array of strings and token ids", content);
            }
            boolean addSpecial = Boolean.TRUE.equals(body.bool("add_special"));
            boolean parseSpecial = !Boolean.FALSE.equals(body.bool("parse_special"));
            boolean withPieces = Boolean.TRUE.equals(body.bool("with_pieces"));
            return model(body).map(model -> {
                Tokenizer tokenizer = model.model().tokenizer();
                int[] tokens = content == null ? new int[0] : tokenize(body, tokenizer, content, addSpecial, parseSpecial);
                List<Object> out = new ArrayList<>(tokens.length);
                for (int token : tokens) out.add(withPieces ? new Piece(token, piece(tokenizer.piece(token, true))) : token);
                return Map.of("tokens", out);
            });
        }).flatMap(response -> ServerResponse.ok().bodyValue(response));
    }

    Mono<ServerResponse> detokenize(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper).flatMap(body -> {
            JsonNode array = body.array("tokens");
            int[] tokens = array == null ? new int[0] : new int[array.size()];
            for (int i = 0; i < tokens.length; i++) tokens[i] = tokenId(body, "tokens[" + i + "]", array.get(i));
            return model(body).map(model -> {
                Tokenizer tokenizer = model.model().tokenizer();
                checkRange(tokenizer, tokens, "tokens");
                String content = new String(tokenizer.decode(tokens, true), StandardCharsets.UTF_8);
                return Map.of("content", content);
            });
        }).flatMap(response -> ServerResponse.ok().bodyValue(response));
    }

    /** The model the body names, else the first that can serve; loaded, on a bounded-elastic thread. */
    private Mono<ServingModel> model(JsonFields body) {
        String id = body.string("model");
        return Mono.fromSupplier(() -> id != null ? registry.get(id) : defaultModel())
                .flatMap(RegisteredModel::serveAny)
                .publishOn(Schedulers.boundedElastic());
    }

    private RegisteredModel defaultModel() {
        List<RegisteredModel> models = registry.models();
        if (models.isEmpty()) throw ApiException.invalidRequest("model", "model_not_found", "There are no models to tokenize with.");
        return models.stream().filter(model -> !model.capabilities().isEmpty()).findFirst().orElse(models.getFirst());
    }

    private static int[] tokenize(JsonFields body, Tokenizer tokenizer, JsonNode content, boolean addSpecial, boolean parseSpecial) {
        if (content.isString()) return tokenizer.encode(content.stringValue(), addSpecial, parseSpecial);
        // llama.cpp's tokenize_mixed: strings tokenized in place (special tokens added to the first only), ids kept
        var out = new ArrayList<Integer>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode element = content.get(i);
            if (element.isString()) {
                for (int token : tokenizer.encode(element.stringValue(), addSpecial && i == 0, parseSpecial)) out.add(token);
            } else {
                out.add(tokenId(body, "content[" + i + "]", element));
            }
        }
        int[] tokens = out.stream().mapToInt(Integer::intValue).toArray();
        checkRange(tokenizer, tokens, "content");
        return tokens;
    }

    private static int tokenId(JsonFields body, String param, JsonNode node) {
        if (!node.isIntegralNumber()) throw body.wrongType(param, "a token id (an integer)", node);
        if (!node.canConvertToInt() || node.intValue() < 0) throw body.invalid(param, "token id " + node + " does not exist.");
        return node.intValue();
    }

    private static void checkRange(Tokenizer tokenizer, int[] tokens, String param) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] >= tokenizer.vocabSize()) {
                throw ApiException.invalidRequest(param, "invalid_value", "Token id " + tokens[i] + " does not exist; the model's vocabulary has "
                        + tokenizer.vocabSize() + " tokens.");
            }
        }
    }

    /** The piece as text when it is valid UTF-8 on its own, else its byte values (as llama.cpp's server). */
    private static Object piece(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            var values = new ArrayList<Integer>(bytes.length);
            for (byte b : bytes) values.add(b & 0xFF);
            return values;
        }
    }
}
