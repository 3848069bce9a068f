package io.localgate.backend;

import java.io.ByteArrayOutputStream;

/**
 * A model's tokenizer. Must agree token for token with llama.cpp's for the same file: the gateway
 * tokenizes prompts through it and detokenizes what the backend generates.
 */
public interface Tokenizer {

    int vocabSize();

    /**
     * Text to token ids, as {@code llama_tokenize} does.
     *
     * @param addSpecial   add BOS/EOS where the model's metadata asks for them
     * @param parseSpecial recognise the text of special (control) tokens such as {@code <|im_start|>}
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes a token stands for, as {@code llama_token_to_piece}. A piece may be part of a UTF-8
     * sequence; callers join pieces before decoding.
     *
     * @param special whether control tokens render as their text (otherwise they render as nothing)
     */
    byte[] piece(int token, boolean special);

    /** Several tokens' bytes joined. */
    default byte[] decode(int[] tokens, boolean special) {
        var out = new ByteArrayOutputStream();
        for (int token : tokens) {
            out.writeBytes(piece(token, special));
        }
        return out.toByteArray();
    }

    /** The beginning-of-sequence token, or -1. */
    int bos();

    /** The end-of-sequence token, or -1. */
    int eos();

    /** Whether generating this token ends a generation (EOS, EOT, {@code <|im_end|>} and the like). */
    boolean isEndOfGeneration(int token);

    /** Whether this token is a control token (rendered as nothing unless {@code special}). */
    boolean isControl(int token);
}
