package io.localgate.gateway.admission;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How requests are admitted to the models.
 *
 * @param maxConcurrent  requests a model serves at once (a Resilience4j {@code Bulkhead} per model); 0: the
 *                       model's {@code parallel}, or {@value #DEFAULT_PARALLEL} when its YAML sets none (the
 *                       backends' default), so that the gateway holds exactly what the engine can run
 * @param maxQueue       requests that may wait for a model beyond those; one more is answered 429
 * @param retryAfter     the {@code Retry-After} of that 429
 * @param requestTimeout the longest a request may take, waiting included (a Resilience4j {@code TimeLimiter}):
 *                       a stream past it ends with an error event, anything else gets a 504; either way its
 *                       generation is cancelled
 * @param rateLimit      requests per API key per period
 * @param shutdownGrace  how long running requests may go on once shutdown has begun, before their streams are
 *                       ended with an error event; keep it below {@code spring.lifecycle.timeout-per-shutdown-phase}
 */
@ConfigurationProperties("localgate.admission")
public record AdmissionProperties(
        @DefaultValue("0") int maxConcurrent,
        @DefaultValue("32") int maxQueue,
        @DefaultValue("1s") Duration retryAfter,
        @DefaultValue("10m") Duration requestTimeout,
        @DefaultValue RateLimit rateLimit,
        @DefaultValue("20s") Duration shutdownGrace) {

    /** What a model's YAML without {@code parallel} gets: the default of both backends. */
    public static final int DEFAULT_PARALLEL = 4;

    public AdmissionProperties {
        if (maxConcurrent < 0) throw new IllegalArgumentException("localgate.admission.max-concurrent must be >= 0: " + maxConcurrent);
        if (maxQueue < 0) throw new IllegalArgumentException("localgate.admission.max-queue must be >= 0: " + maxQueue);
        if (!requestTimeout.isPositive()) {
            throw new IllegalArgumentException("localgate.admission.request-timeout must be positive: " + requestTimeout);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("localgate.admission.shutdown-grace must be >= 0: " + shutdownGrace);
        }
    }

    /**
     * A Resilience4j {@code RateLimiter} per API key (one shared by all clients when no keys are set).
     *
     * @param requests requests allowed per period; 0: no limit
     * @param period   the period
     */
    public record RateLimit(@DefaultValue("0") int requests, @DefaultValue("1m") Duration period) {
        public RateLimit {
            if (requests < 0) throw new IllegalArgumentException("localgate.admission.rate-limit.requests must be >= 0: " + requests);
            if (!period.isPositive()) throw new IllegalArgumentException("localgate.admission.rate-limit.period must be positive: " + period);
        }
    }

    /** The concurrency limit of a model whose YAML says {@code parallel} (0: unset). */
    int concurrencyFor(int parallel) {
        if (maxConcurrent > 0) return maxConcurrent;
        return parallel > 0 ? parallel : DEFAULT_PARALLEL;
    }
}
