package io.localgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The settings bind from the environment variable names the README documents, and have defaults. */
class LocalgatePropertiesTest {

    private static LocalgateProperties bind(org.springframework.core.env.PropertySource<?> source) {
        var environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment).bindOrCreate("localgate", LocalgateProperties.class);
    }

    @Test
    void environment_variables_bind() {
        var environment = new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                "LOCALGATE_MODELS_PATH", "/srv/models",
                "LOCALGATE_MODELS_CONFIG_PATH", "/etc/localgate/models",
                "LOCALGATE_DEFAULT_BACKEND", "llama-cpp",
                "LOCALGATE_DEFAULT_CONTEXT_SIZE", "8192",
                "LOCALGATE_DEFAULT_THREADS", "6"));
        var properties = bind(environment);
        assertThat(properties.models().path()).isEqualTo(Path.of("/srv/models"));
        assertThat(properties.models().configPath()).isEqualTo(Path.of("/etc/localgate/models"));
        assertThat(properties.defaults().backend()).isEqualTo("llama-cpp");
        assertThat(properties.defaults().contextSize()).isEqualTo(8192);
        assertThat(properties.defaults().threads()).isEqualTo(6);
    }

    @Test
    void the_context_size_also_binds_from_its_canonical_variable_name() {
        var environment = new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("LOCALGATE_DEFAULT_CONTEXT_SIZE", "1024"));
        assertThat(bind(environment).defaults().contextSize()).isEqualTo(1024);
    }

    @Test
    void property_names_bind() {
        var properties = bind(new MapPropertySource("test", Map.of(
                "localgate.models.path", "models-here",
                "localgate.default.backend", "java",
                "localgate.default.context-size", "2048")));
        assertThat(properties.models().path()).isEqualTo(Path.of("models-here"));
        assertThat(properties.defaults().contextSize()).isEqualTo(2048);
    }

    @Test
    void the_documented_example_settings_bind_to_the_defaults() throws Exception {
        var example = new YamlPropertySourceLoader().load("example", new FileSystemResource("../config/application.example.yaml"));
        var properties = bind(example.getFirst());
        assertThat(properties).isEqualTo(bind(new MapPropertySource("empty", Map.of())));
    }

    @Test
    void defaults_without_any_setting() {
        var properties = bind(new MapPropertySource("empty", Map.of()));
        assertThat(properties.models().path().toAbsolutePath().normalize()).isEqualTo(Path.of("models").toAbsolutePath());
        assertThat(properties.defaults().backend()).isEqualTo("java");
        assertThat(properties.defaults().contextSize()).isEqualTo(4096);
        assertThat(properties.defaults().threads()).isZero();
    }
}
