package io.localgate.backend;

import java.util.List;

/** A model in memory, ready to serve. Thread-safe: many requests submit at once. */
public interface LoadedModel extends AutoCloseable {

    ModelInfo info();

    Tokenizer tokenizer();

    /** Tokens per sequence (prompt plus output) this instance was loaded with. */
    int contextSize();

    /**
     * Queues a generation. Nothing runs until the returned publisher is subscribed to.
     *
     * @throws IllegalArgumentException when the prompt does not fit the context or names tokens out of range
     * @throws IllegalStateException    when the model has been closed
     */
    Generation submit(GenerationRequest request);

    /**
     * The engine's figures now (queue, slots, KV cache use, step counters), for metrics. Cheap and safe to
     * call from any thread at any rate. A backend without a scheduler of its own reports zeros.
     */
    default ModelStats stats() {
        return new ModelStats(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Embeds each input (token ids, special tokens included as the model expects them) into one
     * L2-normalised vector, pooled as {@link ModelInfo#pooling()} says. Blocks until done; call it off
     * any event loop. Models without {@link Capability#EMBEDDINGS} throw.
     *
     * @throws UnsupportedOperationException when this model does not produce embeddings
     * @throws IllegalArgumentException      when an input is empty, longer than {@link #contextSize()}, or names
     *                                       tokens out of range
     * @throws IllegalStateException         when the model has been closed
     */
    default List<Embedding> embed(List<int[]> inputs) {
        throw new UnsupportedOperationException("the model " + info().name().orElse(info().architecture())
                + " does not produce embeddings");
    }

    /** Frees the model's memory; running generations end with an error. */
    @Override
    void close();
}
