package io.localgate.engine.model;

import io.localgate.backend.Pooling;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import java.util.Optional;

/**
 * The hyper-parameters of a BERT encoder ({@code general.architecture = bert}), read from GGUF metadata as
 * llama.cpp reads them.
 *
 * @param trainContextLength rows of the position embedding: the longest input
 * @param tokenTypes         rows of {@code token_types.weight} (0 when the file has none); llama.cpp uses row 0
 * @param pooling            {@code bert.pooling_type}
 */
public record BertConfig(
        int embeddingLength,
        int layers,
        int heads,
        int headDim,
        int feedForwardLength,
        int vocabSize,
        int trainContextLength,
        int tokenTypes,
        float normEps,
        Pooling pooling) {

    public static final String ARCHITECTURE = "bert";

    /**
     * What in the file this engine cannot honour, in words (a pooling type that gives no single vector, a
     * causal BERT).
     */
    public static Optional<String> unsupportedReason(GgufMetadata md) {
        int pooling = md.findInt(ARCHITECTURE + ".pooling_type").orElse(Pooling.NONE.llamaValue());
        if (pooling < 0 || pooling >= Pooling.values().length || !Pooling.ofLlamaValue(pooling).pooled()) {
            return Optional.of("pooling type " + pooling + " does not give one vector per text (supported: mean, cls, last)");
        }
        if (md.findBoolean(ARCHITECTURE + ".attention.causal").orElse(false)) {
            return Optional.of("causal attention in a BERT model is not supported");
        }
        return Optional.empty();
    }

    /**
     * @throws GgufException when a required key is missing or the numbers do not fit together
     */
    public static BertConfig from(GgufFile file) {
        GgufMetadata md = file.metadata();
        String p = ARCHITECTURE + ".";
        int embedding = md.getInt(p + "embedding_length");
        int layers = md.getInt(p + "block_count");
        int heads = md.getInt(p + "attention.head_count");
        if (embedding <= 0 || layers <= 0 || heads <= 0 || embedding % heads != 0
                || md.findInt(p + "attention.head_count_kv").orElse(heads) != heads) {
            throw new GgufException("inconsistent BERT dimensions: embedding " + embedding + ", layers " + layers + ", heads " + heads);
        }
        int positions = Math.toIntExact(file.tensor("position_embd.weight").dim(1));
        int tokenTypes = file.findTensor("token_types.weight").map(t -> Math.toIntExact(t.dim(1))).orElse(0);
        return new BertConfig(
                embedding,
                layers,
                heads,
                embedding / heads,
                md.getInt(p + "feed_forward_length"),
                Math.toIntExact(file.tensor("token_embd.weight").dim(1)),
                md.findInt(p + "context_length").orElse(positions),
                tokenTypes,
                md.getFloat(p + "attention.layer_norm_epsilon"),
                Pooling.ofLlamaValue(md.findInt(p + "pooling_type").orElse(Pooling.NONE.llamaValue())));
    }
}
