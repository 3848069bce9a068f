package io.localgate.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.ModelSpec;
import io.localgate.gateway.config.LocalgateProperties;
import io.localgate.gateway.fake.FakeBackend;
import io.localgate.gateway.fake.FakeModelFiles;
import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.registry.ModelUnavailableException.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ModelRegistryTest {

    @TempDir
    Path dir;
    private final FakeBackend backend = new FakeBackend();
    private final ExecutorService loader = Executors.newCachedThreadPool();
    private ModelRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) registry.close();
        loader.shutdownNow();
    }

    private ModelRegistry registry() {
        var properties = new LocalgateProperties(new LocalgateProperties.Models(dir),
                new LocalgateProperties.Defaults("fake", 4096, 0));
        registry = new ModelRegistry(properties, List.of(backend), loader);
        return registry;
    }

    private void yaml(String name, String text) throws Exception {
        Files.writeString(dir.resolve(name + ".yaml"), text);
    }

    private static ModelUnavailableException unavailable(RegisteredModel model) {
        try {
            model.serve().block();
        } catch (ModelUnavailableException e) {
            return e;
        }
        throw new AssertionError(model.id() + " serves");
    }

    @Test
    void every_gguf_is_a_model_named_after_its_file_and_a_yaml_with_a_file_is_one_more() throws Exception {
        FakeModelFiles.write(dir, "alpha.gguf", "reply=a");
        FakeModelFiles.write(dir, "beta.gguf", "reply=b");
        FakeModelFiles.write(dir, "notes.txt", "not a model");
        yaml("beta", "context_size: 100\ndefaults:\n  temperature: 0.2\n  stop: [\"###\"]\n");
        yaml("gamma", "file: alpha.gguf\nthreads: 2\n");
        var models = registry().models();
        assertThat(models).extracting(RegisteredModel::id).containsExactly("alpha", "beta", "gamma");

        ServingModel beta = registry.get("beta").serve().block();
        assertThat(beta.model().contextSize()).isEqualTo(100);
        assertThat(beta.config().defaults()).isEqualTo(new GenerationOptions(0.2, null, null, null, null, null, null, null, null, List.of("###")));
        ServingModel gamma = registry.get("gamma").serve().block();
        assertThat(gamma.config().file()).isEqualTo(dir.resolve("alpha.gguf"));
        assertThat(gamma.config().threads()).hasValue(2);
    }

    @Test
    void a_config_directory_configures_models_whose_weights_are_elsewhere(@TempDir Path configs) throws Exception {
        FakeModelFiles.write(dir, "alpha.gguf", "reply=a");
        FakeModelFiles.write(dir, "beta.gguf", "reply=b");
        yaml("beta", "context_size: 100\n");
        Files.writeString(configs.resolve("beta.yaml"), "context_size: 200\n");
        Files.writeString(configs.resolve("gamma.yaml"), "file: alpha.gguf\nthreads: 2\n");
        Files.writeString(configs.resolve("README"), "not a config");
        var properties = new LocalgateProperties(new LocalgateProperties.Models(dir, configs),
                new LocalgateProperties.Defaults("fake", 4096, 0));
        registry = new ModelRegistry(properties, List.of(backend), loader);

        assertThat(registry.models()).extracting(RegisteredModel::id).containsExactly("alpha", "beta", "gamma");
        assertThat(registry.get("beta").serve().block().model().contextSize()).as("the config directory wins").isEqualTo(200);
        ServingModel gamma = registry.get("gamma").serve().block();
        assertThat(gamma.config().file()).as("files are relative to the models directory").isEqualTo(dir.resolve("alpha.gguf"));
    }

    @Test
    void a_missing_config_directory_is_an_error_naming_it() {
        Path missing = dir.resolve("no-such-configs");
        var properties = new LocalgateProperties(new LocalgateProperties.Models(dir, missing),
                new LocalgateProperties.Defaults("fake", 4096, 0));
        assertThatThrownBy(() -> new ModelRegistry(properties, List.of(backend), loader))
                .hasMessageContaining(missing.toString()).hasMessageContaining("LOCALGATE_MODELS_CONFIG_PATH");
    }

    @Test
    void the_yaml_load_settings_reach_the_backend() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a", "context=4096");
        yaml("m", "context_size: 1000\nthreads: 2\nparallel: 3\ngpu_layers: 10\nbatch_size: 64\n");
        registry();
        registry.get("m").serve().block();
        assertThat(backend.lastLoaded()).isEqualTo(new ModelSpec("m", dir.resolve("m.gguf"), 1000, 2, 3, 10, 64));
    }

    @Test
    void the_default_context_is_the_training_context_capped_at_the_setting() {
        FakeModelFiles.write(dir, "small.gguf", "context=256");
        FakeModelFiles.write(dir, "large.gguf", "context=131072");
        registry();
        assertThat(registry.get("small").serve().block().model().contextSize()).isEqualTo(256);
        assertThat(registry.get("large").serve().block().model().contextSize()).isEqualTo(4096);
    }

    @Test
    void unknown_keys_are_an_error_naming_them_and_the_file() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a");
        yaml("m", "context_size: 100\ncontxt: 5\ndefaults:\n  temprature: 1\n");
        FakeModelFiles.write(dir, "fine.gguf", "reply=a");
        registry();
        var failure = unavailable(registry.get("m"));
        assertThat(failure.problem()).isEqualTo(Problem.BROKEN_CONFIG);
        assertThat(failure).hasMessageContaining("m.yaml").hasMessageContaining("contxt");
        assertThat(registry.get("fine").serve().block()).isNotNull();
    }

    @Test
    void an_unknown_key_in_the_defaults_is_named_with_its_path() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a");
        yaml("m", "defaults:\n  temprature: 1\n");
        assertThat(unavailable(registry().get("m"))).hasMessageContaining("m.yaml").hasMessageContaining("defaults.temprature");
    }

    @Test
    void a_wrong_type_in_a_yaml_names_the_key() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a");
        yaml("m", "context_size: large\n");
        assertThat(unavailable(registry().get("m"))).hasMessageContaining("m.yaml").hasMessageContaining("'context_size'");
    }

    @Test
    void a_yaml_without_a_gguf_must_name_a_file() throws Exception {
        yaml("lonely", "threads: 2\n");
        assertThat(unavailable(registry().get("lonely"))).hasMessageContaining("lonely.yaml").hasMessageContaining("file:");
    }

    @Test
    void an_unknown_backend_names_the_ones_there_are() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a");
        yaml("m", "backend: cuda-magic\n");
        var failure = unavailable(registry().get("m"));
        assertThat(failure.problem()).isEqualTo(Problem.BROKEN_CONFIG);
        assertThat(failure).hasMessageContaining("cuda-magic").hasMessageContaining("fake");
    }

    @Test
    void malformed_and_unsupported_files_are_listed_with_their_cause_and_the_others_still_serve() {
        FakeModelFiles.write(dir, "broken.gguf", "malformed=bad magic at offset 0");
        FakeModelFiles.write(dir, "exotic.gguf", "unsupported=tensor type IQ4_NL");
        FakeModelFiles.write(dir, "embedder.gguf", "capabilities=EMBEDDINGS");
        FakeModelFiles.write(dir, "good.gguf", "reply=a");
        registry();
        assertThat(registry.models()).extracting(RegisteredModel::id).containsExactly("broken", "embedder", "exotic", "good");
        assertThat(unavailable(registry.get("broken")))
                .satisfies(e -> assertThat(e.problem()).isEqualTo(Problem.BROKEN_FILE))
                .hasMessageContaining("bad magic at offset 0");
        assertThat(unavailable(registry.get("exotic")))
                .satisfies(e -> assertThat(e.problem()).isEqualTo(Problem.UNSUPPORTED))
                .hasMessageContaining("tensor type IQ4_NL");
        assertThat(unavailable(registry.get("embedder")).problem()).isEqualTo(Problem.WRONG_CAPABILITY);
        assertThat(registry.get("good").serve().block()).isNotNull();
    }

    @Test
    void a_dangling_symlink_is_listed_as_unreadable() throws Exception {
        Files.createSymbolicLink(dir.resolve("gone.gguf"), dir.resolve("nowhere.gguf"));
        registry();
        assertThat(registry.models()).extracting(RegisteredModel::id).containsExactly("gone");
        assertThat(unavailable(registry.get("gone"))).satisfies(e -> assertThat(e.problem()).isEqualTo(Problem.BROKEN_FILE));
    }

    @Test
    void aliases_name_the_same_model() throws Exception {
        FakeModelFiles.write(dir, "m.gguf", "reply=a");
        yaml("m", "aliases: [gpt-4o, default]\n");
        registry();
        assertThat(registry.get("gpt-4o")).isSameAs(registry.get("m"));
        assertThat(registry.models()).extracting(RegisteredModel::id).containsExactly("m");
        assertThatThrownBy(() -> registry.get("nope")).isInstanceOf(ModelNotFoundException.class).hasMessageContaining("'nope'");
    }

    @Test
    void concurrent_first_requests_share_one_load_and_the_model_stays_loaded() {
        FakeModelFiles.write(dir, "m.gguf", "reply=a", "load_delay_ms=300");
        var model = registry().get("m");
        List<ServingModel> served = Flux.range(0, 8).flatMap(i -> model.serve()).collectList().block();
        assertThat(served).hasSize(8).allSatisfy(s -> assertThat(s).isSameAs(served.getFirst()));
        assertThat(model.serve().block()).isSameAs(served.getFirst());
        assertThat(backend.loads()).isEqualTo(1);
    }

    @Test
    void a_missing_models_directory_serves_nothing() {
        dir = dir.resolve("absent");
        assertThat(registry().models()).isEmpty();
    }

    @Test
    void a_client_that_goes_away_does_not_cancel_the_shared_load() {
        FakeModelFiles.write(dir, "m.gguf", "reply=a", "load_delay_ms=300");
        var model = registry().get("m");
        model.serve().subscribe().dispose();
        assertThat(Mono.from(model.serve()).block()).isNotNull();
        assertThat(backend.loads()).isEqualTo(1);
    }
}
