package io.localgate.llamacpp;

import io.localgate.backend.Tokenizer;
import java.lang.foreign.Arena;

/** llama.cpp's tokenizer over a vocabulary loaded without weights; {@link #close()} frees it. */
public final class VocabularyOnly implements Tokenizer, AutoCloseable {

    private final NativeTokenizer tokenizer;
    private final Arena arena;

    VocabularyOnly(NativeTokenizer tokenizer, Arena arena) {
        this.tokenizer = tokenizer;
        this.arena = arena;
    }

    @Override
    public int vocabSize() {
        return tokenizer.vocabSize();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }

    @Override
    public byte[] piece(int token, boolean special) {
        return tokenizer.piece(token, special);
    }

    @Override
    public int bos() {
        return tokenizer.bos();
    }

    @Override
    public int eos() {
        return tokenizer.eos();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return tokenizer.isEndOfGeneration(token);
    }

    @Override
    public boolean isControl(int token) {
        return tokenizer.isControl(token);
    }

    @Override
    public void close() {
        arena.close();
    }
}
