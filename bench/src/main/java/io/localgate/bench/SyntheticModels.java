package io.localgate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A folder of synthetic models named {@code SHAPE-TYPE.gguf} (e.g. {@code llama-1b-q4_k_m.gguf}), made
 * on demand: the F16 file by {@link SyntheticModelWriter}, the others from it by llama.cpp's quantizer.
 *
 * @param directory where the files live
 * @param names     the file name pattern: {@code {shape}} and {@code {type}} are replaced
 * @param vocabDir  the folder holding llama.cpp's {@code ggml-vocab-*.gguf} files
 * @param seed      the weights' random seed
 * @param log       where progress goes
 */
public record SyntheticModels(Path directory, String names, Path vocabDir, long seed, PrintStream log) {

    public static final long DEFAULT_SEED = 42;
    public static final String DEFAULT_NAMES = "{shape}-{type}.gguf";

    public SyntheticModels {
        if (!names.contains("{shape}") || !names.contains("{type}")) {
            throw new IllegalArgumentException("the name pattern must contain {shape} and {type}: " + names);
        }
    }

    public Path path(ModelShape shape, QuantType type) {
        return directory.resolve(names.replace("{shape}", shape.name()).replace("{type}", type.fileSuffix()));
    }

    /** The shape and type a name such as {@code smollm2-135m-q8_0} stands for (the default pattern). */
    public static Optional<Named> parse(String name) {
        String base = name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
        for (ModelShape shape : ModelShape.KNOWN) {
            if (!base.startsWith(shape.name() + "-")) continue;
            try {
                return Optional.of(new Named(shape, QuantType.parse(base.substring(shape.name().length() + 1))));
            } catch (IllegalArgumentException notAType) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    public record Named(ModelShape shape, QuantType type) {
    }

    /** The file for {@code shape} in {@code type}, generated first when missing. */
    public Path ensure(ModelShape shape, QuantType type) throws IOException {
        Path target = path(shape, type);
        if (Files.isRegularFile(target)) return target;
        Path f16 = path(shape, QuantType.F16);
        if (!Files.isRegularFile(f16)) {
            Path vocab = vocabDir.resolve(shape.vocabFile());
            if (!Files.isRegularFile(vocab)) {
                throw new IOException(vocab + " not found: point --vocab-dir (or LOCALGATE_VOCAB_DIR) at the folder holding"
                        + " llama.cpp's models/ggml-vocab-*.gguf files");
            }
            long start = System.nanoTime();
            log.printf("writing %s (%,d parameters, random weights, seed %d, tokenizer of %s)%n", f16, shape.parameterCount(), seed,
                    shape.vocabFile());
            SyntheticModelWriter.write(shape, vocab, seed, f16);
            log.printf("  %s: %,d bytes in %.1f s%n", f16.getFileName(), Files.size(f16), seconds(start));
        }
        if (type != QuantType.F16) {
            long start = System.nanoTime();
            log.printf("quantizing %s to %s with llama.cpp's llama_model_quantize%n", f16.getFileName(), type);
            LlamaQuantizer.quantize(f16, target, type);
            log.printf("  %s: %,d bytes in %.1f s%n", target.getFileName(), Files.size(target), seconds(start));
        }
        return target;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
