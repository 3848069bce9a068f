package io.localgate.engine.tokenizer;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.tokenizer.GgufTokenizer.PieceStyle;

import java.util.Optional;

/**
 * Builds the tokenizer a GGUF file describes ({@code tokenizer.ggml.*} metadata), token for token equal to
 * llama.cpp's. Supported: {@code llama} (SentencePiece), {@code gpt2} (byte-level BPE, with the
 * pre-tokenizers {@link BpePreTokenizer} lists) and {@code bert} (WordPiece).
 */
public final class Tokenizers {

    // llama.cpp's defaults per tokenizer type: bos, eos, unknown, separator, add BOS, add EOS, add space prefix
    private static final Vocabulary.Defaults SPM = new Vocabulary.Defaults(1, 2, 0, Vocabulary.NONE,
            true, false, true);
    private static final Vocabulary.Defaults BPE = new Vocabulary.Defaults(11, 11, Vocabulary.NONE,
            Vocabulary.NONE, false, false, false);
    private static final Vocabulary.Defaults WPM = new Vocabulary.Defaults(101, Vocabulary.NONE, 100, 102,
            true, false, false);

    private Tokenizers() {
    }

    /**
     * The tokenizer of a GGUF file.
     *
     * @throws GgufException naming the problem when the tokenizer type or pre-tokenizer is not supported or
     *                       the vocabulary metadata is missing or malformed
     */
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        unsupportedReason(metadata).ifPresent(reason -> {
            throw new GgufException(reason);
        });
        String model = metadata.getString("tokenizer.ggml.model");
        return switch (model) {
            case "llama" -> {
                Vocabulary vocab = Vocabulary.load(metadata, SPM);
                yield new GgufTokenizer(vocab, new SpmEncoder(vocab), PieceStyle.SPACE_MARK,
                        addedTokens(vocab.addBos(), vocab.bos()), addedTokens(vocab.addEos(), vocab.eos()));
            }
            case "gpt2" -> {
                BpePreTokenizer pre = bpePreTokenizer(metadata).orElseThrow();
                Vocabulary vocab = Vocabulary.load(metadata, pre.adjust(BPE));
                yield new GgufTokenizer(vocab, new BpeEncoder(vocab, metadata, pre), PieceStyle.BYTE_LEVEL,
                        addedTokens(vocab.addBos(), vocab.bos()), addedTokens(vocab.addEos(), vocab.eos()));
            }
            case "bert" -> {
                Vocabulary vocab = Vocabulary.load(metadata, WPM);
                boolean lowercase = metadata.findBoolean("tokenizer.ggml.normalizer.lowercase").orElse(true);
                boolean stripAccents = metadata.findBoolean("tokenizer.ggml.normalizer.strip_accents").orElse(lowercase);
                // llama.cpp wraps BERT input in [CLS] ... [SEP] whatever add_bos_token says
                yield new GgufTokenizer(vocab, new WordPieceEncoder(vocab, lowercase, stripAccents),
                        PieceStyle.SPACE_MARK, addedTokens(true, vocab.bos()), addedTokens(true, vocab.separator()));
            }
            default -> throw new IllegalStateException("unreachable: " + model);
        };
    }

    /**
     * Why this file's tokenizer cannot be built, or empty when it is supported; cheap (it reads a few
     * metadata keys), so a backend can list a model without loading it. Malformed vocabulary data is only
     * found by {@link #fromGguf}.
     */
    public static Optional<String> unsupportedReason(GgufMetadata metadata) {
        Optional<String> model;
        try {
            model = metadata.findString("tokenizer.ggml.model");
            if (model.isEmpty()) return Optional.of("the file has no tokenizer (metadata tokenizer.ggml.model is missing)");
            if (!metadata.contains("tokenizer.ggml.tokens")) {
                return Optional.of("the file has no vocabulary (metadata tokenizer.ggml.tokens is missing)");
            }
            if (model.get().equals("gpt2") && bpePreTokenizer(metadata).isEmpty()) {
                return Optional.of("unsupported pre-tokenizer '" + metadata.getString("tokenizer.ggml.pre")
                        + "' (supported: " + String.join(", ", BpePreTokenizer.supportedNames()) + ")");
            }
        } catch (GgufException e) {
            return Optional.of(e.getMessage());
        }
        return switch (model.get()) {
            case "llama", "gpt2", "bert" -> Optional.empty();
            default -> Optional.of("unsupported tokenizer '" + model.get() + "' (supported: llama, gpt2, bert)");
        };
    }

    /** The pre-tokenizer a BPE vocabulary names; llama.cpp takes "default" when it names none. */
    private static Optional<BpePreTokenizer> bpePreTokenizer(GgufMetadata metadata) {
        return metadata.findString("tokenizer.ggml.pre").map(BpePreTokenizer::named)
                .orElse(Optional.of(BpePreTokenizer.DEFAULT));
    }

    private static int[] addedTokens(boolean add, int token) {
        return add && token != Vocabulary.NONE ? new int[] {token} : new int[0];
    }
}
