package io.localgate.backend;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to load and how. Zero (or a negative number for {@code gpuLayers}) means "the backend's
 * default" for the numeric settings.
 *
 * @param id          the model id clients use
 * @param file        the GGUF file
 * @param contextSize tokens per sequence (prompt plus output); 0: the model's own training context
 * @param threads     compute threads; 0: the number of available processors
 * @param parallel    how many sequences may be generated at once; 0: backend default
 * @param gpuLayers   layers to offload to a GPU (backends without a GPU ignore it); negative: default
 * @param batchSize   the most token rows one forward step takes (prompt chunks plus one row per
 *                    generating sequence); 0: backend default
 */
public record ModelSpec(String id, Path file, int contextSize, int threads, int parallel, int gpuLayers, int batchSize) {

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(file, "file");
        if (contextSize < 0) throw new IllegalArgumentException("contextSize must be >= 0: " + contextSize);
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
        if (parallel < 0) throw new IllegalArgumentException("parallel must be >= 0: " + parallel);
        if (batchSize < 0) throw new IllegalArgumentException("batchSize must be >= 0: " + batchSize);
    }

    /** With the backend's default batch size. */
    public ModelSpec(String id, Path file, int contextSize, int threads, int parallel, int gpuLayers) {
        this(id, file, contextSize, threads, parallel, gpuLayers, 0);
    }

    public static ModelSpec of(String id, Path file) {
        return new ModelSpec(id, file, 0, 0, 0, -1);
    }
}
