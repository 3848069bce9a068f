package io.localgate.backend;

/**
 * A way of running GGUF models (the pure-Java engine, the llama.cpp bridge, ...). Implementations are
 * found with {@link java.util.ServiceLoader}; the gateway never names one directly.
 */
public interface Backend {

    /** The id a model config names in {@code backend:}, e.g. {@code java} or {@code llama-cpp}. */
    String id();

    /**
     * Reads what the model file says about itself without loading its weights, so that a models
     * directory can be listed (and broken files reported) at start-up. Unsupported features are
     * reported in {@link ModelInfo#unsupported()}, not thrown.
     *
     * @throws ModelLoadException when the file cannot be read or is malformed
     */
    ModelInfo describe(ModelSpec spec) throws ModelLoadException;

    /**
     * Loads the model so it can serve requests. The returned model owns its memory until
     * {@link LoadedModel#close()}.
     *
     * @throws ModelLoadException when the file is malformed or uses something this backend cannot run
     */
    LoadedModel load(ModelSpec spec) throws ModelLoadException;
}
