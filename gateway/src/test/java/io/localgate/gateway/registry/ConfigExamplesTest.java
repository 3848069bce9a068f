package io.localgate.gateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The documented model YAMLs in the repository's config/models are valid, so the docs cannot rot. */
class ConfigExamplesTest {

    private static final Path EXAMPLES = Path.of("..", "config", "models");

    @Test
    void every_example_model_yaml_reads_without_error() throws IOException {
        List<Path> yamls;
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            yamls = files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(yamls).isNotEmpty();
        var reader = new ModelConfigReader();
        for (Path yaml : yamls) {
            String id = yaml.getFileName().toString().replace(".yaml", "");
            var config = reader.read(id, yaml, EXAMPLES, Optional.of(EXAMPLES.resolve(id + ".gguf")), "java");
            assertThat(config.id()).isEqualTo(id);
        }
    }

    @Test
    void the_stories_example_sets_what_its_comments_say() {
        var config = new ModelConfigReader().read("stories260K", EXAMPLES.resolve("stories260K.yaml"), EXAMPLES,
                Optional.of(EXAMPLES.resolve("stories260K.gguf")), "java");
        assertThat(config.contextSize()).hasValue(2048);
        assertThat(config.defaults().stop()).containsExactly("\n\n");
        assertThat(config.aliases()).containsExactly("tiny-stories");
    }
}
