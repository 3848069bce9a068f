package io.localgate.engine;

import io.localgate.backend.Capability;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.Pooling;
import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.gguf.GgufTensor;
import io.localgate.engine.model.Architecture;
import io.localgate.engine.model.BertConfig;
import io.localgate.engine.model.BertWeights;
import io.localgate.engine.model.ModelConfig;
import io.localgate.engine.model.ModelWeights;
import io.localgate.engine.model.UnsupportedModelException;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** What a GGUF file says about itself, and what in it this engine cannot run, in words. */
final class ModelDescriber {

    /** Architectures that encode text into vectors rather than generate it. */
    private static final Set<String> ENCODERS = Set.of("bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "t5encoder", "modern-bert", "neo-bert", "eurobert");

    /** llama.cpp's {@code llama_ftype} names by {@code general.file_type}. */
    private static final Map<Long, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0L, "F32"), Map.entry(1L, "F16"), Map.entry(2L, "Q4_0"), Map.entry(3L, "Q4_1"), Map.entry(7L, "Q8_0"),
            Map.entry(8L, "Q5_0"), Map.entry(9L, "Q5_1"), Map.entry(10L, "Q2_K"), Map.entry(11L, "Q3_K_S"), Map.entry(12L, "Q3_K_M"),
            Map.entry(13L, "Q3_K_L"), Map.entry(14L, "Q4_K_S"), Map.entry(15L, "Q4_K_M"), Map.entry(16L, "Q5_K_S"), Map.entry(17L, "Q5_K_M"),
            Map.entry(18L, "Q6_K"), Map.entry(19L, "IQ2_XXS"), Map.entry(20L, "IQ2_XS"), Map.entry(21L, "Q2_K_S"), Map.entry(22L, "IQ3_XS"),
            Map.entry(23L, "IQ3_XXS"), Map.entry(24L, "IQ1_S"), Map.entry(25L, "IQ4_NL"), Map.entry(26L, "IQ3_S"), Map.entry(27L, "IQ3_M"),
            Map.entry(28L, "IQ2_S"), Map.entry(29L, "IQ2_M"), Map.entry(30L, "IQ4_XS"), Map.entry(31L, "IQ1_M"), Map.entry(32L, "BF16"),
            Map.entry(36L, "TQ1_0"), Map.entry(37L, "TQ2_0"), Map.entry(38L, "MXFP4_MOE"), Map.entry(39L, "NVFP4"), Map.entry(40L, "Q1_0"),
            Map.entry(41L, "Q2_0"));

    private ModelDescriber() {
    }

    /**
     * Reads the header and, for an architecture this engine runs, checks every tensor it would use.
     *
     * @throws GgufException when the file is malformed (a required key or tensor missing or misshapen)
     */
    static ModelInfo describe(GgufFile file) {
        GgufMetadata md = file.metadata();
        String architecture = md.getString("general.architecture");
        String p = architecture + ".";
        List<String> unsupported = unsupported(file, architecture);
        boolean encoder = ENCODERS.contains(architecture);
        // a decoder's embedding is its last hidden state (after the output norm) averaged over the tokens
        Optional<Pooling> pooling = encoder
                ? md.findInt(p + "pooling_type").filter(v -> v >= 0 && v < Pooling.values().length).map(Pooling::ofLlamaValue)
                : Optional.of(Pooling.MEAN);
        return new ModelInfo(
                architecture,
                md.findString("general.name"),
                md.findInt(p + "context_length").orElse(0),
                md.findInt(p + "vocab_size").orElse(md.findStringArray("tokenizer.ggml.tokens").map(t -> t.length).orElse(0)),
                md.findInt(p + "embedding_length").orElse(0),
                file.tensors().stream().mapToLong(GgufTensor::elementCount).sum(),
                fileType(file),
                md.findString("tokenizer.chat_template"),
                tokenText(md, "tokenizer.ggml.bos_token_id"),
                tokenText(md, "tokenizer.ggml.eos_token_id"),
                encoder ? Set.of(Capability.EMBEDDINGS) : Set.of(Capability.COMPLETION, Capability.CHAT, Capability.EMBEDDINGS),
                unsupported,
                pooling.or(() -> Optional.of(Pooling.NONE)));
    }

    private static List<String> unsupported(GgufFile file, String architecture) {
        var reasons = new ArrayList<String>();
        Optional<Architecture> known = Architecture.named(architecture);
        boolean bert = architecture.equals(BertConfig.ARCHITECTURE);
        if (known.isEmpty() && !bert) {
            reasons.add("architecture " + architecture + " is not supported (supported: "
                    + Arrays.stream(Architecture.values()).map(Architecture::ggufName).collect(Collectors.joining(", ")) + ", "
                    + BertConfig.ARCHITECTURE + ")");
        }
        var unsupportedTypes = new EnumMap<GgmlType, Integer>(GgmlType.class);
        for (GgufTensor t : file.tensors()) {
            if (!Matrix.supports(t.type())) unsupportedTypes.merge(t.type(), 1, Integer::sum);
        }
        unsupportedTypes.forEach((type, count) -> reasons.add("tensor type " + type + " (" + count + (count == 1 ? " tensor" : " tensors")
                + ") is not supported yet (supported: " + Arrays.stream(GgmlType.values()).filter(Matrix::supports).map(GgmlType::name)
                .collect(Collectors.joining(", ")) + ")"));
        known.flatMap(a -> ModelConfig.unsupportedReason(file.metadata(), a)).ifPresent(reasons::add);
        if (bert) BertConfig.unsupportedReason(file.metadata()).ifPresent(reasons::add);
        Tokenizers.unsupportedReason(file.metadata()).ifPresent(reason -> reasons.add("tokenizer: " + reason));
        if ((known.isPresent() || bert) && reasons.isEmpty()) {
            try {
                if (bert) BertWeights.load(file, BertConfig.from(file));
                else ModelWeights.load(file, ModelConfig.from(file, known.get()));
            } catch (UnsupportedModelException e) {
                reasons.add(e.getMessage());
            }
        }
        return reasons;
    }

    /** {@code general.file_type} by llama.cpp's name, else the type holding most of the weights. */
    private static String fileType(GgufFile file) {
        var fileType = file.metadata().findLong("general.file_type");
        if (fileType.isPresent()) return FILE_TYPES.getOrDefault(fileType.getAsLong(), "type " + fileType.getAsLong());
        var bytes = new EnumMap<GgmlType, Long>(GgmlType.class);
        for (GgufTensor t : file.tensors()) {
            if (t.dimensions() >= 2) bytes.merge(t.type(), t.byteSize(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().toString()).orElse("unknown");
    }

    private static Optional<String> tokenText(GgufMetadata md, String idKey) {
        var id = md.findLong(idKey);
        var tokens = md.findStringArray("tokenizer.ggml.tokens");
        if (id.isEmpty() || tokens.isEmpty() || id.getAsLong() < 0 || id.getAsLong() >= tokens.get().length) return Optional.empty();
        return Optional.of(tokens.get()[(int) id.getAsLong()]);
    }
}
