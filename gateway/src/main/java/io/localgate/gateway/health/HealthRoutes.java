package io.localgate.gateway.health;

import org.springframework.boot.actuate.endpoint.ApiVersion;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.ReactiveHealthEndpointWebExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Kubernetes probes on the API's port: {@code GET /health/live} and {@code /health/ready} answer the
 * actuator's health groups {@code live} and {@code ready} (see application.yaml): 200 with
 * {@code {"status":"UP",...}}, or 503 with {@code DOWN} / {@code OUT_OF_SERVICE}. The same groups are at
 * {@code /actuator/health/live} and {@code /actuator/health/ready}.
 */
@Configuration(proxyBeanMethods = false)
class HealthRoutes {

    @Bean
    RouterFunction<ServerResponse> healthProbes(ReactiveHealthEndpointWebExtension health) {
        return RouterFunctions.route()
                .GET("/health/live", request -> group(health, "live"))
                .GET("/health/ready", request -> group(health, "ready"))
                .build();
    }

    private static Mono<ServerResponse> group(ReactiveHealthEndpointWebExtension health, String group) {
        return health.health(ApiVersion.LATEST, WebServerNamespace.SERVER, SecurityContext.NONE, group)
                .flatMap(result -> ServerResponse.status(result.getStatus())
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(result.getBody()));
    }
}
