package io.localgate.gateway.admission;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Graceful shutdown of the API. When the application stops, before the web server's own graceful shutdown
 * (a later phase), new API requests are refused (503, {@code Connection: close}) while the running ones
 * may finish for {@code localgate.admission.shutdown-grace}; those still running then are ended, streams
 * with an error event. Readiness has already turned to refusing traffic by then (Spring Boot does that as
 * the context closes).
 */
@Component
class GracefulDrain implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GracefulDrain.class);
    /** How long ended requests get to send their last event. */
    private static final Duration FLUSH = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(50);

    private final Duration grace;
    private final Set<RequestScope> running = ConcurrentHashMap.newKeySet();
    private volatile boolean admitting;

    GracefulDrain(AdmissionProperties properties) {
        this.grace = properties.shutdownGrace();
    }

    /** Whether new requests are taken. */
    boolean admitting() {
        return admitting;
    }

    void started(RequestScope request) {
        running.add(request);
    }

    void finished(RequestScope request) {
        running.remove(request);
    }

    @Override
    public void start() {
        admitting = true;
    }

    @Override
    public boolean isRunning() {
        return admitting;
    }

    /** Stops admitting; Spring stops a {@link SmartLifecycle} through {@link #stop(Runnable)}, which also drains. */
    @Override
    public void stop() {
        admitting = false;
    }

    @Override
    public void stop(Runnable callback) {
        admitting = false;
        if (running.isEmpty()) {
            callback.run();
            return;
        }
        log.info("Shutting down: {} request(s) running, which may finish within {}", running.size(), grace);
        untilIdle(grace)
                .then(Mono.defer(() -> {
                    if (running.isEmpty()) return Mono.empty();
                    log.warn("Shutting down: ending {} request(s) still running after {}", running.size(), grace);
                    running.forEach(request -> request.end(RequestScope.Ending.SHUTDOWN));
                    return untilIdle(FLUSH);
                }))
                .doFinally(signal -> callback.run())
                .subscribe();
    }

    /** Completes when no request runs, or after {@code atMost}. */
    private Mono<Void> untilIdle(Duration atMost) {
        return Flux.interval(POLL)
                .filter(tick -> running.isEmpty())
                .next()
                .timeout(atMost, Mono.just(0L))
                .then();
    }

    /** Stops before the web server's graceful shutdown ({@code SmartLifecycle.DEFAULT_PHASE - 1024}), which then finds it idle. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 512;
    }
}
