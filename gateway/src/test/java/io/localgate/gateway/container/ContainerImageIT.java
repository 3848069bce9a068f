package io.localgate.gateway.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the repository's Dockerfile and drives the container as a user would: a models folder mounted
 * read-only at {@code /models}, the official OpenAI SDK on the published port, both backends.
 *
 * <p>Without a Docker engine the test is skipped with that reason, unless {@code LOCALGATE_DOCKER_REQUIRED=true}
 * (CI sets it) turns the missing engine into a failure. Base images come from the Dockerfile's defaults, or from
 * {@code LOCALGATE_IT_JDK_IMAGE}, {@code LOCALGATE_IT_JRE_IMAGE} and {@code LOCALGATE_IT_BASE_IMAGE} (images made by
 * {@code docker/base-images.sh} where no registry is reachable).
 */
class ContainerImageIT {

    private static final Path SHARED = Path.of(System.getProperty("localgate.shared.models", "../../shared/models"));
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final int PORT = 8080;

    private static GenericContainer<?> container;
    private static String imageName;

    @BeforeAll
    static void startContainer() throws IOException {
        boolean required = Boolean.parseBoolean(System.getenv("LOCALGATE_DOCKER_REQUIRED"));
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            String reason = "no Docker engine is reachable (DOCKER_HOST or /var/run/docker.sock), so the image cannot be built";
            if (required) throw new IllegalStateException(reason + ", and LOCALGATE_DOCKER_REQUIRED=true");
            Assumptions.abort(reason);
        }
        ImageFromDockerfile image = new ImageFromDockerfile("localgate-it", true).withDockerfile(REPOSITORY.resolve("Dockerfile"));
        buildArg(image, "JDK_IMAGE", "LOCALGATE_IT_JDK_IMAGE");
        buildArg(image, "JRE_IMAGE", "LOCALGATE_IT_JRE_IMAGE");
        buildArg(image, "BASE_IMAGE", "LOCALGATE_IT_BASE_IMAGE");

        Bind models = new Bind(modelsFolder().toString(), new Volume("/models"), AccessMode.ro);
        container = new GenericContainer<>(image)
                // a plain bind, as `docker run -v DIR:/models:ro` makes (withFileSystemBind first runs a probe container
                // from a public image, which a machine without registry access cannot pull)
                .withCreateContainerCmdModifier(create -> create.getHostConfig().withBinds(models))
                .withExposedPorts(PORT)
                .waitingFor(Wait.forHttp("/health/ready").forPort(PORT).forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)));
        container.start();
        imageName = container.getDockerImageName();
    }

    private static void buildArg(ImageFromDockerfile image, String arg, String environmentVariable) {
        String value = System.getenv(environmentVariable);
        if (value != null && !value.isBlank()) image.withBuildArg(arg, value);
    }

    /** A models folder the container's non-root user can read: a trained model, served by each backend, and an embedding model. */
    private static Path modelsFolder() throws IOException {
        Path dir = Path.of("target", "container-models").toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
            }
        }
        Files.createDirectories(dir);
        Files.copy(SHARED.resolve("stories260K.gguf"), dir.resolve("stories260K.gguf"));
        Files.copy(SHARED.resolve("all-MiniLM-L6-v2-Q4_K_M.gguf"), dir.resolve("all-MiniLM-L6-v2-Q4_K_M.gguf"));
        Files.writeString(dir.resolve("stories260K-llama-cpp.yaml"), "file: stories260K.gguf\nbackend: llama-cpp\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return dir;
    }

    @AfterAll
    static void stopContainer() {
        if (container != null) container.stop();
    }

    private static OpenAIClient client() {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://" + container.getHost() + ":" + container.getMappedPort(PORT) + "/v1")
                .apiKey("unused")
                .maxRetries(0)
                .timeout(Duration.ofMinutes(2))
                .build();
    }

    @Test
    void servesTheMountedModelsWithBothBackends() {
        OpenAIClient client = client();
        assertThat(client.models().list().data()).extracting(Model::id).contains("stories260K", "stories260K-llama-cpp");
        for (String model : List.of("stories260K", "stories260K-llama-cpp")) {
            ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(model).addUserMessage("Once upon a time").maxCompletionTokens(16).temperature(0.0).build());
            assertThat(completion.choices()).singleElement().satisfies(choice -> {
                assertThat(choice.message().content()).as("%s's reply", model).isPresent().hasValueSatisfying(text -> assertThat(text).isNotBlank());
                assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
            });
        }
    }

    @Test
    void embedsWithTheMountedEmbeddingModel() {
        CreateEmbeddingResponse response = client().embeddings().create(EmbeddingCreateParams.builder()
                .model("all-MiniLM-L6-v2-Q4_K_M").input("A kitten is resting on a rug.").build());
        List<Float> vector = response.data().getFirst().embedding();
        assertThat(vector).hasSize(384);
        double norm = Math.sqrt(vector.stream().mapToDouble(v -> v * v).sum());
        assertThat(norm).as("OpenAI returns unit vectors").isCloseTo(1.0, within(1e-4));
    }

    @Test
    void theImageRunsAsANonRootUserWithAHealthCheck() throws Exception {
        assertThat(container.execInContainer("id", "-u").getStdout().strip()).isEqualTo("10001");
        InspectImageResponse inspected = DockerClientFactory.instance().client().inspectImageCmd(imageName).exec();
        assertThat(inspected.getConfig().getHealthcheck().getTest()).anySatisfy(part -> assertThat(part).contains("/health/live"));
        assertThat(inspected.getConfig().getExposedPorts()).extracting(Object::toString).contains("8080/tcp");
        assertThat(inspected.getConfig().getVolumes()).containsKey("/models");
        // the health check itself, run the way Docker runs it
        List<String> check = inspected.getConfig().getHealthcheck().getTest();
        var result = container.execInContainer(check.subList(1, check.size()).toArray(String[]::new));
        assertThat(result.getExitCode()).as("health check: %s", result.getStderr()).isZero();
    }
}
