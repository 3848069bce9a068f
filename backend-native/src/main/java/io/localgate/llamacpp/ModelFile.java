package io.localgate.llamacpp;

import io.localgate.backend.Capability;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.Pooling;
import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.gguf.GgufTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a GGUF file says about itself, read by our own parser before llama.cpp is handed the file:
 * every offset and size is checked there, so a truncated or corrupted file is our error (naming the
 * byte offset) instead of a fault inside llama.cpp.
 *
 * @param info     the description for the SPI
 * @param spelling for a vocabulary llama.cpp cannot spell every text with, the tokenizer for such text
 */
record ModelFile(ModelInfo info, Optional<SpellingFallback> spelling) {

    static ModelFile read(Path path) throws ModelLoadException {
        try (GgufFile file = GgufFile.open(path)) {
            return new ModelFile(describe(file), SpellingFallback.forVocabulary(file.metadata()));
        } catch (IOException e) {
            throw new ModelLoadException(ModelLoadException.Reason.IO, "cannot read " + path + ": " + e, e);
        } catch (GgufException e) {
            throw new ModelLoadException(ModelLoadException.Reason.MALFORMED, path + " is not a valid GGUF file: " + e.getMessage(), e);
        }
    }

    private static ModelInfo describe(GgufFile file) {
        GgufMetadata meta = file.metadata();
        String arch = meta.getString("general.architecture");
        Optional<String[]> tokens = meta.findStringArray("tokenizer.ggml.tokens");
        // encoders (BERT and kin) carry a pooling type and only make embeddings; a decoder's embedding is its
        // last hidden state (after the output norm) averaged over the tokens, as llama.cpp's --pooling mean
        boolean encoder = meta.contains(arch + ".pooling_type");
        int poolingValue = encoder ? meta.findInt(arch + ".pooling_type").orElse(0) : Pooling.MEAN.llamaValue();
        Pooling pooling = poolingValue >= 0 && poolingValue < Pooling.values().length ? Pooling.ofLlamaValue(poolingValue) : Pooling.NONE;
        Set<Capability> capabilities = encoder ? Set.of(Capability.EMBEDDINGS)
                : Set.of(Capability.COMPLETION, Capability.CHAT, Capability.EMBEDDINGS);
        List<String> unsupported = pooling.pooled() ? List.of() : List.of("pooling type " + poolingValue + " (" + pooling
                + ") does not make one vector per text, which is all this gateway serves");
        return new ModelInfo(
                arch,
                meta.findString("general.name"),
                meta.findInt(arch + ".context_length").orElse(0),
                tokens.map(t -> t.length).orElse(0),
                meta.findInt(arch + ".embedding_length").orElse(0),
                file.tensors().stream().mapToLong(GgufTensor::elementCount).sum(),
                dominantType(file.tensors()),
                meta.findString("tokenizer.chat_template"),
                tokenText(meta, tokens, "tokenizer.ggml.bos_token_id"),
                tokenText(meta, tokens, "tokenizer.ggml.eos_token_id"),
                capabilities,
                unsupported,
                Optional.of(pooling));
    }

    /**
     * The type of most weight matrices, e.g. Q8_0, as llama.cpp guesses a file's type: counted, not
     * weighed, since a large embedding table is often kept at a higher precision than the layers.
     */
    private static String dominantType(List<GgufTensor> tensors) {
        Map<GgmlType, Long> counts = new EnumMap<>(GgmlType.class);
        for (GgufTensor t : tensors) {
            if (t.dimensions() >= 2) counts.merge(t.type(), 1L, Long::sum);
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse("none");
    }

    private static Optional<String> tokenText(GgufMetadata meta, Optional<String[]> tokens, String key) {
        Optional<Integer> id = meta.findInt(key);
        if (id.isEmpty() || tokens.isEmpty() || id.get() < 0 || id.get() >= tokens.get().length) return Optional.empty();
        return Optional.of(tokens.get()[id.get()]);
    }
}
