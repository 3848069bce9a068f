package io.localgate.gateway.config;

import io.localgate.backend.Backend;
import io.localgate.gateway.registry.ModelLoadListener;
import io.localgate.gateway.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;

/** The model registry, with the backends that {@link ServiceLoader} finds on the class path. */
@Configuration(proxyBeanMethods = false)
class RegistryConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RegistryConfiguration.class);

    @Bean
    ModelRegistry modelRegistry(LocalgateProperties properties, ModelLoadListener loadListener) {
        // loading reads and maps whole files: a blocking job for bounded-elastic threads, not the event loop
        return new ModelRegistry(properties, backends(), task -> Schedulers.boundedElastic().schedule(task), loadListener);
    }

    private static List<Backend> backends() {
        List<Backend> backends = new ArrayList<>();
        for (var provider : ServiceLoader.load(Backend.class, RegistryConfiguration.class.getClassLoader()).stream().toList()) {
            try {
                backends.add(provider.get());
            } catch (ServiceConfigurationError e) {
                log.error("The backend {} cannot start", provider.type().getName(), e);
            }
        }
        log.info("Backends: {}", backends.stream().map(Backend::id).toList());
        return backends;
    }
}
