package io.localgate.llamacpp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.localgate.backend.Tokenizer;
import io.localgate.llamacpp.ffi.Llama;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * llama.cpp's own tokenizer ({@code llama_tokenize}, {@code llama_token_to_piece}) for a loaded
 * vocabulary. Thread-safe, as llama.cpp's tokenizer is. Token ids are checked before they cross
 * the boundary, since llama.cpp throws (ending the process) for ids past the vocabulary.
 *
 * <p>One case llama.cpp cannot handle: with a SentencePiece vocabulary without byte tokens (TinyStories
 * has none) it aborts on a character it cannot spell. Such text goes to the {@link SpellingFallback}.
 */
final class NativeTokenizer implements Tokenizer {

    private final Llama api;
    /** The vocabulary, tied to the model's arena: a call after the model is closed fails in Java, not in C. */
    private final MemorySegment vocab;
    private final int vocabSize;
    private final int bos;
    private final int eos;
    private final Optional<SpellingFallback> spelling;

    NativeTokenizer(Llama api, MemorySegment vocab, Optional<SpellingFallback> spelling) {
        this.api = api;
        this.vocab = vocab;
        this.vocabSize = api.vocabNTokens(vocab);
        this.bos = api.vocabBos(vocab);
        this.eos = api.vocabEos(vocab);
        this.spelling = spelling;
    }

    /** The {@code llama_vocab} (for llama.cpp's grammar sampler). */
    MemorySegment vocab() {
        return vocab;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        if (spelling.isPresent() && !spelling.get().llamaCanSpell(text)) {
            return spelling.get().encode(text, addSpecial, parseSpecial);
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(utf8.length, 1));
            MemorySegment.copy(utf8, 0, bytes, JAVA_BYTE, 0, utf8.length);
            // SPM can add a token (the space prefix) beyond one per byte, and BOS/EOS
            int capacity = utf8.length + 4;
            MemorySegment tokens = arena.allocate(JAVA_INT, capacity);
            int n = api.tokenize(vocab, bytes, utf8.length, tokens, capacity, addSpecial, parseSpecial);
            if (n == Integer.MIN_VALUE) throw new IllegalArgumentException("text too long to tokenize (" + utf8.length + " bytes)");
            if (n < 0) {
                capacity = -n;
                tokens = arena.allocate(JAVA_INT, capacity);
                n = api.tokenize(vocab, bytes, utf8.length, tokens, capacity, addSpecial, parseSpecial);
            }
            return tokens.asSlice(0, JAVA_INT.byteSize() * n).toArray(JAVA_INT);
        }
    }

    @Override
    public byte[] piece(int token, boolean special) {
        checkToken(token);
        try (Arena arena = Arena.ofConfined()) {
            int capacity = 32;
            MemorySegment buffer = arena.allocate(capacity);
            int n = api.tokenToPiece(vocab, token, buffer, capacity, 0, special);
            if (n < 0) {
                capacity = -n;
                buffer = arena.allocate(capacity);
                n = api.tokenToPiece(vocab, token, buffer, capacity, 0, special);
            }
            return buffer.asSlice(0, n).toArray(JAVA_BYTE);
        }
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        checkToken(token);
        return api.vocabIsEog(vocab, token);
    }

    @Override
    public boolean isControl(int token) {
        checkToken(token);
        return api.vocabIsControl(vocab, token);
    }

    private void checkToken(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
        }
    }
}
