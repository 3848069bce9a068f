package io.localgate.gateway.fake;

import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the "model files" that {@link FakeBackend} reads. */
public final class FakeModelFiles {

    private FakeModelFiles() {
    }

    /** Writes {@code dir/fileName} with these {@code key=value} lines. */
    public static Path write(Path dir, String fileName, String... lines) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve(fileName), String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads a fake model straight from a file, without the registry. */
    public static FakeModel load(Path file) {
        try {
            return (FakeModel) new FakeBackend().load(ModelSpec.of("test", file));
        } catch (ModelLoadException e) {
            throw new IllegalStateException(e);
        }
    }
}
