package io.localgate.engine.model;

import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import java.util.Optional;

/**
 * The hyper-parameters of a decoder model, read from GGUF metadata with llama.cpp's defaults.
 *
 * @param headDim        elements per attention head ({@code attention.key_length}, default embedding / heads)
 * @param vocabSize      rows of the token embedding
 * @param ropeDims       rotated dimensions per head ({@code rope.dimension_count}, default {@code headDim})
 * @param ropeFreqScale  1 / {@code rope.scaling.factor} for linear scaling, else 1
 */
public record ModelConfig(
        Architecture architecture,
        int embeddingLength,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int feedForwardLength,
        int vocabSize,
        int trainContextLength,
        float rmsEps,
        int ropeDims,
        float ropeFreqBase,
        float ropeFreqScale) {

    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /**
     * What in a decoder's metadata this engine cannot honour yet (rope scaling kinds), in words.
     */
    public static Optional<String> unsupportedReason(GgufMetadata metadata, Architecture architecture) {
        String scaling = metadata.findString(architecture.ggufName() + ".rope.scaling.type").orElse("linear");
        return switch (scaling) {
            case "none", "linear" -> Optional.empty();
            default -> Optional.of("rope scaling type " + scaling + " is not supported yet");
        };
    }

    /**
     * @throws GgufException when a required key is missing or the numbers do not fit together
     */
    public static ModelConfig from(GgufFile file, Architecture architecture) {
        GgufMetadata md = file.metadata();
        String p = architecture.ggufName() + ".";
        int embedding = md.getInt(p + "embedding_length");
        int layers = md.getInt(p + "block_count");
        int heads = md.getInt(p + "attention.head_count");
        int kvHeads = md.findInt(p + "attention.head_count_kv").orElse(heads);
        if (embedding <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new GgufException("inconsistent dimensions: embedding " + embedding + ", layers " + layers
                    + ", heads " + heads + ", kv heads " + kvHeads);
        }
        int headDim = md.findInt(p + "attention.key_length").orElse(embedding / heads);
        int valueDim = md.findInt(p + "attention.value_length").orElse(embedding / heads);
        if (headDim != valueDim) throw new GgufException("key length " + headDim + " differs from value length " + valueDim);
        int ropeDims = md.findInt(p + "rope.dimension_count").orElse(headDim);
        if (ropeDims > headDim || ropeDims % 2 != 0) throw new GgufException("rope dimension count " + ropeDims + " for heads of " + headDim);
        int vocab = Math.toIntExact(file.tensor("token_embd.weight").dim(1));
        String scaling = md.findString(p + "rope.scaling.type").orElse("linear");
        float factor = md.findFloat(p + "rope.scaling.factor").or(() -> md.findFloat(p + "rope.scale_linear")).orElse(0f);
        float freqScale = scaling.equals("none") || factor == 0f ? 1f : 1f / factor;
        return new ModelConfig(
                architecture,
                embedding,
                layers,
                heads,
                kvHeads,
                headDim,
                md.getInt(p + "feed_forward_length"),
                vocab,
                md.findInt(p + "context_length").orElse(0),
                md.getFloat(p + "attention.layer_norm_rms_epsilon"),
                ropeDims,
                md.findFloat(p + "rope.freq_base").orElse(10000f),
                freqScale);
    }
}
