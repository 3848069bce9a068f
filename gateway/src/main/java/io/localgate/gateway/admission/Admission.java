package io.localgate.gateway.admission;

import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.localgate.gateway.metrics.ServingMetrics;
import io.localgate.gateway.registry.ModelConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The admission policies, as Resilience4j instances in the registries its Spring Boot starter provides (so
 * they are also published as {@code resilience4j_*} metrics): a {@code Bulkhead} per model (named after the
 * model) behind a bounded queue, a {@code RateLimiter} per API key ({@code api-key-N}, or {@code api} for
 * all when no keys are set), and the {@code TimeLimiter} {@code request}. Nothing here blocks: permissions
 * are taken without waiting.
 */
@Component
class Admission {

    private final AdmissionProperties properties;
    private final BulkheadRegistry bulkheads;
    private final RateLimiterRegistry rateLimiters;
    private final ServingMetrics metrics;
    private final TimeLimiter timeLimiter;
    private final Map<String, ModelQueue> queues = new ConcurrentHashMap<>();

    Admission(AdmissionProperties properties, BulkheadRegistry bulkheads, RateLimiterRegistry rateLimiters,
              TimeLimiterRegistry timeLimiters, ServingMetrics metrics) {
        this.properties = properties;
        this.bulkheads = bulkheads;
        this.rateLimiters = rateLimiters;
        this.metrics = metrics;
        this.timeLimiter = timeLimiters.timeLimiter("request",
                TimeLimiterConfig.custom().timeoutDuration(properties.requestTimeout()).cancelRunningFuture(true).build());
    }

    /** The model's queue, made on its first request. */
    ModelQueue queue(String modelId, ModelConfig config) {
        return queues.computeIfAbsent(modelId, id -> {
            var bulkhead = bulkheads.bulkhead(id, BulkheadConfig.custom()
                    .maxConcurrentCalls(properties.concurrencyFor(config.parallel()))
                    // never wait inside the bulkhead: that would block a thread; the queue does the waiting
                    .maxWaitDuration(Duration.ZERO)
                    .build());
            var queue = new ModelQueue(bulkhead, properties.maxQueue());
            metrics.admission(id, queue, ModelQueue::waiting, ModelQueue::running, ModelQueue::limit);
            return queue;
        });
    }

    /** Takes one request from the client's allowance, or throws the 429 that says when to come back. */
    void checkRate(String client) {
        var limit = properties.rateLimit();
        if (limit.requests() == 0) return;
        RateLimiter limiter = rateLimiters.rateLimiter(client, RateLimiterConfig.custom()
                .limitForPeriod(limit.requests())
                .limitRefreshPeriod(limit.period())
                .timeoutDuration(Duration.ZERO)
                .build());
        if (limiter.acquirePermission()) return;
        Duration wait = limiter instanceof AtomicRateLimiter atomic
                ? Duration.ofNanos(atomic.getDetailedMetrics().getNanosToWait())
                : limit.period();
        throw Rejection.rateLimited(wait, limit.requests(), limit.period());
    }

    Duration retryAfter() {
        return properties.retryAfter();
    }

    Duration requestTimeout() {
        return timeLimiter.getTimeLimiterConfig().getTimeoutDuration();
    }

    TimeLimiter timeLimiter() {
        return timeLimiter;
    }
}
