package io.localgate.gateway.health;

import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.RegisteredModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of the models (health component {@code models}): UP when the models directory has been
 * scanned, holds at least one model, and every model in it can be served; DOWN otherwise, with each model
 * that cannot and why (a malformed file, a broken YAML, an unsupported architecture, a backend that cannot
 * run here). Models load on first use, so UP does not mean loaded.
 */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {

    private final ModelRegistry registry;

    ModelsHealthIndicator(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        var models = registry.models();
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (RegisteredModel model : models) {
            model.unavailable().ifPresent(reason -> unavailable.put(model.id(), reason.getMessage()));
        }
        var health = models.isEmpty() || !unavailable.isEmpty() ? Health.down() : Health.up();
        health.withDetail("models", models.size());
        if (models.isEmpty()) health.withDetail("reason", "the models directory holds no models");
        if (!unavailable.isEmpty()) health.withDetail("unavailable", unavailable);
        return health.build();
    }
}
