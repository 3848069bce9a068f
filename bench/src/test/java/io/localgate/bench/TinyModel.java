package io.localgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny model of the llama shape with the real StarCoder vocabulary, written once per test class. */
final class TinyModel {

    static final ModelShape SHAPE = new ModelShape("tiny", "ggml-vocab-starcoder.gguf", 49152, 64, 2, 4, 2, 128, 10000f, 256,
            false, ModelShape.SMOLLM2_135M.chatTemplate());

    private TinyModel() {
    }

    static Path vocabDir() {
        Path dir = Path.of(System.getProperty("localgate.shared.models", "../../shared/models")).resolve("vocab");
        if (!Files.isDirectory(dir)) throw new IllegalStateException(dir + " not found: set -Dlocalgate.shared.models");
        return dir;
    }

    static Path write(Path dir, long seed) throws IOException {
        Path file = dir.resolve("tiny-" + seed + "-f16.gguf");
        SyntheticModelWriter.write(SHAPE, vocabDir().resolve(SHAPE.vocabFile()), seed, file);
        return file;
    }
}
