package io.localgate.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** What the API tests share: the official SDK's client, and models directories under {@code target/}. */
final class SdkTestSupport {

    /** The real test models and llama.cpp's references (outside the repository). */
    static final Path SHARED = Path.of(System.getProperty("localgate.shared.models", "../../shared/models"));

    private SdkTestSupport() {
    }

    /** The official OpenAI client pointed at the app under test; no retries, so each error is seen as it is. */
    static OpenAIClient client(int port, Duration timeout) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + port + "/v1")
                .apiKey("unused")
                .maxRetries(0)
                .timeout(timeout)
                .build();
    }

    /** {@code target/test-models/NAME}, created empty. */
    static Path emptyModelsDirectory(String name) {
        Path dir = Path.of("target", "test-models", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves {@code MODEL.gguf} from the shared test models through a symlink (models are never copied). */
    static void linkSharedModel(Path dir, String model) {
        if (!Files.isDirectory(SHARED)) {
            throw new IllegalStateException("The shared test models are not at " + SHARED.toAbsolutePath()
                    + "; set the system property localgate.shared.models");
        }
        try {
            Files.createSymbolicLink(dir.resolve(model + ".gguf"), SHARED.resolve(model + ".gguf").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Serves {@code MODEL.gguf} (linked already) a second time, as {@code MODEL-llama-cpp} on the
     * {@code llama-cpp} backend (context 512, one thread).
     */
    static void alsoOnLlamaCpp(Path dir, String model) {
        try {
            Files.writeString(dir.resolve(model + "-llama-cpp.yaml"), """
                    backend: llama-cpp
                    file: %s.gguf
                    context_size: 512
                    threads: 1
                    """.formatted(model));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
