package io.localgate.gateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** {@code GET /metrics}: the Prometheus text that {@code /actuator/prometheus} also serves, at the path scrapers expect. */
@Configuration(proxyBeanMethods = false)
class MetricsRoutes {

    private static final MediaType PROMETHEUS_TEXT = MediaType.parseMediaType("text/plain;version=0.0.4;charset=utf-8");

    @Bean
    RouterFunction<ServerResponse> prometheusMetrics(PrometheusMeterRegistry registry) {
        return RouterFunctions.route()
                // writing out every meter is CPU work: not on the event loop
                .GET("/metrics", request -> Mono.fromCallable(registry::scrape)
                        .subscribeOn(Schedulers.boundedElastic())
                        .flatMap(text -> ServerResponse.ok().contentType(PROMETHEUS_TEXT).bodyValue(text)))
                .build();
    }
}
