package io.localgate.gateway.admission;

import io.localgate.backend.TokenEvent;
import io.localgate.gateway.generation.GenerationObserver;
import io.localgate.gateway.metrics.ServingMetrics;
import io.localgate.gateway.registry.ModelConfig;
import io.localgate.gateway.registry.ModelGate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One API request as the serving layer follows it: the model it asked for, its admission permit, its
 * generations (for metrics), and whether it must end early (time limit or shutdown). Handlers reach it
 * through the Reactor context, as the {@link ModelGate} and the {@link GenerationObserver}.
 */
final class RequestScope implements ModelGate, GenerationObserver {

    /** Why a request is ended before it finishes. */
    enum Ending { TIMEOUT, SHUTDOWN }

    private final Admission admission;
    private final ServingMetrics metrics;
    private final long arrival = System.nanoTime();
    private final Sinks.One<Ending> ending = Sinks.one();
    private volatile String model = ServingMetrics.NO_MODEL;
    private volatile ModelQueue.Permit permit;
    private volatile boolean finished;
    private final AtomicReference<Ending> ended = new AtomicReference<>();
    private volatile Disposable deadline;

    RequestScope(Admission admission, ServingMetrics metrics) {
        this.admission = admission;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> enter(String modelId, ModelConfig config) {
        model = modelId;
        if (permit != null) return Mono.empty();
        ModelQueue queue = admission.queue(modelId, config);
        return queue.enter()
                .onErrorMap(ModelQueue.Full.class, full -> Rejection.queueFull(modelId, queue.running(), queue.waiting(),
                        admission.retryAfter()))
                .doOnNext(granted -> {
                    permit = granted;
                    // the request may have ended while the permit was on its way (see finish)
                    if (finished) granted.release();
                })
                .then();
    }

    @Override
    public Consumer<TokenEvent> started(int promptTokens) {
        return metrics.generation(model, arrival, promptTokens);
    }

    /** The model the request named, once it has named a known one. */
    String model() {
        return model;
    }

    long arrival() {
        return arrival;
    }

    /** Ends the request at its time limit: {@link #end} with {@link Ending#TIMEOUT} then. */
    void limitTo(Duration limit) {
        deadline = Schedulers.parallel().schedule(() -> end(Ending.TIMEOUT), limit.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Whether the request got as far as its time limit (past the key and rate checks). */
    boolean limited() {
        return deadline != null;
    }

    /** Asks the request to end now (the first reason wins). */
    void end(Ending why) {
        // set before emitting: those woken by the emission read it
        if (ended.compareAndSet(null, why)) ending.tryEmitValue(why);
    }

    /** Emits when the request must end. */
    Mono<Ending> ending() {
        return ending.asMono();
    }

    /** Why the request was ended early, or null. */
    Ending ended() {
        return ended.get();
    }

    /** The request is over: its permit goes to the next request waiting for the model. */
    void finish() {
        finished = true;
        var held = permit;
        if (held != null) held.release();
        var timer = deadline;
        if (timer != null) timer.dispose();
    }
}
