package io.localgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.gateway.admission.AdmissionProperties;
import io.localgate.gateway.security.ApiKeyProperties;
import io.localgate.gateway.security.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.FileSystemResource;

/** The serving settings bind from the environment variables the README names, and the documented example is their defaults. */
class ServingPropertiesTest {

    private static Binder binder(PropertySource<?> source) {
        var environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment);
    }

    private static ApiKeyProperties keys(PropertySource<?> source) {
        return binder(source).bindOrCreate("localgate", ApiKeyProperties.class);
    }

    private static AdmissionProperties admission(PropertySource<?> source) {
        return binder(source).bindOrCreate("localgate.admission", AdmissionProperties.class);
    }

    private static SystemEnvironmentPropertySource env(Map<String, Object> variables) {
        return new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables);
    }

    @Test
    void environment_variables_bind() {
        var source = env(Map.of(
                "LOCALGATE_API_KEYS", "sk-one,sk-two",
                "LOCALGATE_API_KEYS_FILE", "/run/secrets/keys",
                "LOCALGATE_ADMISSION_MAX_CONCURRENT", "8",
                "LOCALGATE_ADMISSION_MAX_QUEUE", "100",
                "LOCALGATE_ADMISSION_REQUEST_TIMEOUT", "90s",
                "LOCALGATE_ADMISSION_RATE_LIMIT_REQUESTS", "60",
                "LOCALGATE_ADMISSION_RATE_LIMIT_PERIOD", "10s",
                "LOCALGATE_ADMISSION_SHUTDOWN_GRACE", "5s"));
        var keys = keys(source);
        assertThat(keys.apiKeys()).containsExactly("sk-one", "sk-two");
        assertThat(keys.apiKeysFile()).isEqualTo(Path.of("/run/secrets/keys"));
        var admission = admission(source);
        assertThat(admission.maxConcurrent()).isEqualTo(8);
        assertThat(admission.maxQueue()).isEqualTo(100);
        assertThat(admission.requestTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(admission.rateLimit()).isEqualTo(new AdmissionProperties.RateLimit(60, Duration.ofSeconds(10)));
        assertThat(admission.shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void defaults_without_any_setting() {
        var empty = new MapPropertySource("empty", Map.of());
        var keys = keys(empty);
        assertThat(keys.apiKeys()).isEmpty();
        assertThat(keys.apiKeysFile()).isNull();
        assertThat(keys.openPaths()).containsExactly("/health/**", "/metrics", "/actuator/**");
        assertThat(ApiKeys.of(keys).required()).isFalse();
        var admission = admission(empty);
        assertThat(admission.maxConcurrent()).isZero();
        assertThat(admission.maxQueue()).isEqualTo(32);
        assertThat(admission.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(admission.requestTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(admission.rateLimit().requests()).isZero();
        assertThat(admission.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void the_documented_example_settings_bind_to_the_defaults() throws Exception {
        var example = new YamlPropertySourceLoader().load("example", new FileSystemResource("../config/application.example.yaml")).getFirst();
        var empty = new MapPropertySource("empty", Map.of());
        assertThat(keys(example)).isEqualTo(keys(empty));
        assertThat(admission(example)).isEqualTo(admission(empty));
        assertThat(ApiKeys.of(keys(example)).required()).isFalse();
    }

    @Test
    void keys_come_from_the_list_and_the_file(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("keys"), "# ops\n\nsk-file-1\n  sk-file-2  \n");
        var keys = ApiKeys.of(new ApiKeyProperties(List.of("sk-listed", " "), file, List.of()));
        assertThat(keys.count()).isEqualTo(3);
        assertThatThrownBy(() -> ApiKeys.of(new ApiKeyProperties(List.of(), dir.resolve("missing"), List.of())))
                .hasMessageContaining("Cannot read the API keys file");
        Path empty = Files.writeString(dir.resolve("empty"), "# nothing yet\n");
        assertThatThrownBy(() -> ApiKeys.of(new ApiKeyProperties(List.of("sk-listed"), empty, List.of())))
                .hasMessageContaining("holds no keys");
    }

    @Test
    void a_fixed_limit_binds_and_a_negative_queue_is_refused() {
        var admission = admission(new MapPropertySource("empty", Map.of()));
        assertThat(admission.maxConcurrent()).isZero();
        var fixed = admission(new MapPropertySource("fixed", Map.<String, Object>of("localgate.admission.max-concurrent", "2")));
        assertThat(fixed.maxConcurrent()).isEqualTo(2);
        assertThatThrownBy(() -> admission(new MapPropertySource("bad", Map.<String, Object>of("localgate.admission.max-queue", "-1"))))
                .hasStackTraceContaining("max-queue must be >= 0");
    }
}
