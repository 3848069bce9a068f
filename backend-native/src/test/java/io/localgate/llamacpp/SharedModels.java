package io.localgate.llamacpp;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the test models and llama.cpp's reference outputs live (outside the repository). */
public final class SharedModels {

    private SharedModels() {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("localgate.shared.models", "../../shared/models")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("test models not found at " + dir + " (set -Dlocalgate.shared.models)");
        }
        return dir;
    }

    public static Path model(String fileName) {
        return dir().resolve(fileName);
    }

    public static Path reference(String fileName) {
        return dir().resolve("reference").resolve(fileName);
    }

    public static Path vocab(String fileName) {
        return dir().resolve("vocab").resolve(fileName);
    }
}
