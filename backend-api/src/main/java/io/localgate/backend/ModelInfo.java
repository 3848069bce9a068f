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
        List<String> unsupported) {

    public ModelInfo {
        capabilities = Set.copyOf(capabilities);
        unsupported = List.copyOf(unsupported);
    }

    public boolean supported() {
        return unsupported.isEmpty();
    }
}
