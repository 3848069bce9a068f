package io.localgate.gateway.registry;

import io.localgate.backend.ModelSpec;
import io.localgate.gateway.generation.GenerationOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One model as the models directory declares it: a {@code NAME.gguf}, a {@code NAME.yaml}, or both.
 *
 * @param id          what clients put in {@code model}
 * @param file        the GGUF file
 * @param backend     the backend id, e.g. {@code java}
 * @param contextSize tokens per sequence; empty: min(the model's training context, {@code localgate.default.context-size})
 * @param threads     compute threads; empty: {@code localgate.default.threads}
 * @param parallel    sequences generated at once; 0: the backend's default
 * @param gpuLayers   layers offloaded to a GPU; negative: the backend's default
 * @param batchSize   token rows per forward step; 0: the backend's default
 * @param template    a Jinja chat template that replaces the file's
 * @param defaults    generation options for requests that do not set them
 * @param aliases     other ids that name this model
 * @param yaml        the YAML file, when there is one
 */
public record ModelConfig(
        String id,
        Path file,
        String backend,
        OptionalInt contextSize,
        OptionalInt threads,
        int parallel,
        int gpuLayers,
        int batchSize,
        Optional<String> template,
        GenerationOptions defaults,
        List<String> aliases,
        Optional<Path> yaml) {

    public ModelConfig {
        aliases = List.copyOf(aliases);
    }

    /** What the backend is told, with the context size and threads the registry settled on. */
    ModelSpec spec(int contextSize, int threads) {
        return new ModelSpec(id, file, contextSize, threads, parallel, gpuLayers, batchSize);
    }

    /** A bare {@code NAME.gguf} without a YAML. */
    static ModelConfig plain(String id, Path file, String backend) {
        return new ModelConfig(id, file, backend, OptionalInt.empty(), OptionalInt.empty(), 0, -1, 0, Optional.empty(),
                GenerationOptions.NONE, List.of(), Optional.empty());
    }
}
