package io.localgate.backend;

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

    /** Frees the model's memory; running generations end with an error. */
    @Override
    void close();
}
