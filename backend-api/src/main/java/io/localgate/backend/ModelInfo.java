package io.localgate.backend;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a model file says about itself.
 *
 * @param architecture      {@code general.architecture}, e.g. {@code llama}, {@code qwen2}, {@code bert}
 * @param name              {@code general.name} or empty
 * @param trainContextLength the context length the model was trained with
 * @param vocabSize         number of tokens
 * @param embeddingLength   hidden size
 * @param parameterCount    number of weights
 * @param fileType          the dominant tensor type, e.g. {@code Q8_0}
 * @param chatTemplate      {@code tokenizer.chat_template} when the file carries one
 * @param bosToken          the text of the beginning-of-sequence token, when there is one
 * @param eosToken          the text of the end-of-sequence token, when there is one
 * @param capabilities      what the model can do once loaded
 * @param unsupported       what this backend cannot run in the file (empty when it can load it)
 * @param pooling           how {@link LoadedModel#embed} pools token states into one vector; empty when the
 *                          model does not produce embeddings (required when it does)
 */
public record ModelInfo(
        String architecture,
        Optional<String> name,
        int trainContextLength,
        int vocabSize,
        int embeddingLength,
        long parameterCount,
        String fileType,
        Optional<String> chatTemplate,
        Optional<String> bosToken,
        Optional<String> eosToken,
        Set<Capability> capabilities,
        List<String> unsupported,
        Optional<Pooling> pooling) {

    public ModelInfo {
        capabilities = Set.copyOf(capabilities);
        unsupported = List.copyOf(unsupported);
        if (pooling.isPresent() && !capabilities.contains(Capability.EMBEDDINGS)) {
            throw new IllegalArgumentException("a pooling type (" + pooling.get() + ") for a model without embeddings");
        }
    }

    /** Without a pooling type (a model that produces no embeddings). */
    public ModelInfo(String architecture, Optional<String> name, int trainContextLength, int vocabSize, int embeddingLength,
                     long parameterCount, String fileType, Optional<String> chatTemplate, Optional<String> bosToken,
                     Optional<String> eosToken, Set<Capability> capabilities, List<String> unsupported) {
        this(architecture, name, trainContextLength, vocabSize, embeddingLength, parameterCount, fileType, chatTemplate,
                bosToken, eosToken, capabilities, unsupported, Optional.empty());
    }

    public boolean supported() {
        return unsupported.isEmpty();
    }
}
