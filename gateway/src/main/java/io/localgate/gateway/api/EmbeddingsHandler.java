package io.localgate.gateway.api;

import io.localgate.backend.Embedding;
import io.localgate.backend.LoadedModel;
import io.localgate.gateway.api.OpenAiObjects.EmbeddingList;
import io.localgate.gateway.api.OpenAiObjects.EmbeddingObject;
import io.localgate.gateway.api.OpenAiObjects.EmbeddingUsage;
import io.localgate.gateway.registry.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/embeddings}. Texts are tokenized as llama.cpp's server does for embeddings (special tokens
 * added and parsed, so a BERT input is {@code [CLS] ... [SEP]}); token-id inputs are embedded as given. The
 * model pools and L2-normalises each vector. Tokenizing and the forward passes run on bounded-elastic
 * threads (the model's own compute threads do the work), never on the event loop.
 *
 * <p>{@code dimensions} must equal the model's embedding size: none of the models served here was trained
 * for truncated (Matryoshka) vectors, so a shortened vector would not be a meaningful embedding.
 */
@Component
class EmbeddingsHandler {

    private final ModelRegistry registry;
    private final JsonMapper jsonMapper;

    EmbeddingsHandler(ModelRegistry registry, JsonMapper jsonMapper) {
        this.registry = registry;
        this.jsonMapper = jsonMapper;
    }

    Mono<ServerResponse> create(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper)
                .map(EmbeddingRequest::read)
                .flatMap(embedding -> Mono.fromSupplier(() -> registry.get(embedding.model()))
                        .flatMap(model -> model.serveEmbeddings())
                        .publishOn(Schedulers.boundedElastic())
                        .map(model -> embed(model.model(), embedding))
                        .flatMap(list -> ServerResponse.ok().bodyValue(list)));
    }

    private static EmbeddingList embed(LoadedModel model, EmbeddingRequest request) {
        int size = model.info().embeddingLength();
        if (request.dimensions() != null && request.dimensions() != size) {
            throw ApiException.invalidRequest("dimensions", "invalid_value", "The model '" + request.model()
                    + "' makes embeddings of " + size + " dimensions and was not trained for shortened ones; 'dimensions' must be "
                    + size + " or left out, got " + request.dimensions() + ".");
        }
        List<int[]> inputs = tokenize(model, request);
        List<Embedding> embeddings;
        try {
            embeddings = model.embed(inputs);
        } catch (UnsupportedOperationException e) {
            throw ApiException.invalidRequest("model", "model_not_supported", "The model '" + request.model() + "' cannot make embeddings: "
                    + e.getMessage() + ".");
        }
        List<EmbeddingObject> data = new ArrayList<>(embeddings.size());
        int tokens = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            float[] vector = embeddings.get(i).vector();
            data.add(new EmbeddingObject(i, request.base64() ? base64(vector) : vector));
            tokens += embeddings.get(i).tokens();
        }
        return new EmbeddingList(data, request.model(), new EmbeddingUsage(tokens, tokens));
    }

    private static List<int[]> tokenize(LoadedModel model, EmbeddingRequest request) {
        int context = model.contextSize();
        int vocab = model.tokenizer().vocabSize();
        List<int[]> inputs = new ArrayList<>(request.inputs().size());
        for (int i = 0; i < request.inputs().size(); i++) {
            String param = request.inputs().size() == 1 ? "input" : "input[" + i + "]";
            int[] tokens = switch (request.inputs().get(i)) {
                case EmbeddingRequest.Input.Text text -> model.tokenizer().encode(text.text(), true, true);
                case EmbeddingRequest.Input.Tokens ids -> ids.tokens();
            };
            if (tokens.length == 0) throw ApiException.invalidRequest(param, "invalid_value", "The input is empty after tokenization.");
            for (int token : tokens) {
                if (token >= vocab) {
                    throw ApiException.invalidRequest(param, "invalid_value",
                            "Token id " + token + " does not exist; the model's vocabulary has " + vocab + " tokens.");
                }
            }
            if (tokens.length > context) {
                throw new ApiException(HttpStatus.BAD_REQUEST, ApiException.INVALID_REQUEST, param, "context_length_exceeded",
                        "This model's maximum context length is " + context + " tokens, however you requested " + tokens.length
                                + " tokens in " + param + ". Please reduce the length of the input.");
            }
            inputs.add(tokens);
        }
        return inputs;
    }

    /** The vector as OpenAI's {@code base64} format: the little-endian float32 bytes, base64-encoded. */
    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
