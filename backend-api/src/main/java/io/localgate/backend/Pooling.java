package io.localgate.backend;

/**
 * How a model turns the hidden states of a text's tokens into one embedding vector, as llama.cpp's
 * {@code llama_pooling_type} names it (the ordinals are llama.cpp's values, as GGUF metadata
 * {@code ARCH.pooling_type} stores them).
 */
public enum Pooling {
    /** No pooling: one vector per token (not served as a text embedding). */
    NONE,
    /** The average of every token's hidden state (sentence-transformers' default). */
    MEAN,
    /** The hidden state of the first token ({@code [CLS]}). */
    CLS,
    /** The hidden state of the last token. */
    LAST,
    /** A reranker's relevance score (not served as a text embedding). */
    RANK;

    /** By llama.cpp's value, e.g. {@code 1} for {@link #MEAN}. */
    public static Pooling ofLlamaValue(int value) {
        if (value < 0 || value >= values().length) throw new IllegalArgumentException("unknown pooling type " + value);
        return values()[value];
    }

    /** llama.cpp's value of this pooling type. */
    public int llamaValue() {
        return ordinal();
    }

    /** Whether this pooling gives one vector per text, as {@code /v1/embeddings} returns. */
    public boolean pooled() {
        return this == MEAN || this == CLS || this == LAST;
    }
}
