package io.localgate.gateway.metrics;

import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelStats;
import io.localgate.backend.TokenEvent;
import io.localgate.gateway.registry.ModelLoadListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * Every figure localgate publishes (names as Micrometer writes them; Prometheus sees dots as underscores,
 * timers in seconds with {@code _seconds} and counters with {@code _total}). The README lists them.
 */
@Component
public final class ServingMetrics implements ModelLoadListener {

    /** The model label of a request that never named a known model. */
    public static final String NO_MODEL = "";

    private final MeterRegistry registry;

    public ServingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A request has ended: its endpoint (route pattern), model, HTTP status and time from arrival to its last byte. */
    public void request(String endpoint, String model, int status, long nanos) {
        String statusLabel = Integer.toString(status);
        Counter.builder("localgate.requests").description("Requests by endpoint, model and HTTP status")
                .tags("endpoint", endpoint, "model", model, "status", statusLabel)
                .register(registry).increment();
        Timer.builder("localgate.request.duration").description("End-to-end latency: arrival to the last byte of the response")
                .tags("endpoint", endpoint, "model", model, "status", statusLabel)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(15))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request refused or ended early, and why: {@code invalid_api_key}, {@code rate_limited}, {@code queue_full}, ... */
    public void rejected(String reason, String model) {
        Counter.builder("localgate.rejected.requests").description("Requests refused or ended early, by reason")
                .tags("reason", reason, "model", model)
                .register(registry).increment();
    }

    /**
     * A generation of a request that arrived at {@code arrivalNanos} ({@link System#nanoTime()}) starts.
     *
     * @return what is told each of its token events
     */
    public Consumer<TokenEvent> generation(String model, long arrivalNanos, int promptTokens) {
        Counter.builder("localgate.prompt.tokens").description("Prompt tokens of the generations started")
                .tag("model", model).register(registry).increment(promptTokens);
        var generated = Counter.builder("localgate.generated.tokens").description("Tokens generated")
                .tag("model", model).register(registry);
        var firstToken = Timer.builder("localgate.time.to.first.token").description("Arrival of the request to its first generated token")
                .tag("model", model)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        var perToken = Timer.builder("localgate.time.per.output.token").description("Time per generated token after the first, per generation")
                .tag("model", model)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        return new Consumer<>() {
            private long first;
            private long last;
            private int tokens;

            @Override
            public void accept(TokenEvent event) {
                switch (event) {
                    case TokenEvent.Token token -> {
                        last = System.nanoTime();
                        if (tokens++ == 0) {
                            first = last;
                            firstToken.record(first - arrivalNanos, TimeUnit.NANOSECONDS);
                        }
                        generated.increment();
                    }
                    case TokenEvent.Finished finished -> {
                        if (tokens > 1) perToken.record((last - first) / (tokens - 1), TimeUnit.NANOSECONDS);
                    }
                }
            }
        };
    }

    /** Publishes a model's admission figures, read from {@code queue} at each scrape. */
    public <T> void admission(String model, T queue, ToDoubleFunction<T> waiting, ToDoubleFunction<T> running, ToDoubleFunction<T> limit) {
        Gauge.builder("localgate.admission.queued", queue, waiting).description("Requests waiting for a model (the gateway's queue)")
                .tag("model", model).register(registry);
        Gauge.builder("localgate.admission.active", queue, running).description("Requests a model is serving")
                .tag("model", model).register(registry);
        Gauge.builder("localgate.admission.limit", queue, limit).description("Requests a model may serve at once")
                .tag("model", model).register(registry);
    }

    @Override
    public void loaded(String modelId, String backendId, LoadedModel model, Duration took) {
        loadTimer(modelId, backendId, "success").record(took);
        gauge("localgate.engine.queued.sequences", "Generations waiting in the engine for a sequence slot", modelId, model,
                s -> s.queuedSequences());
        gauge("localgate.engine.active.sequences", "Generations holding a sequence slot (prefilling or decoding)", modelId, model,
                s -> s.activeSequences());
        gauge("localgate.engine.slots", "Sequences the engine can run at once (parallel)", modelId, model, s -> s.slots());
        gauge("localgate.engine.kv.cache.used.tokens", "KV cache positions held by active sequences", modelId, model,
                s -> s.kvCacheTokensUsed());
        gauge("localgate.engine.kv.cache.capacity.tokens", "KV cache positions in all", modelId, model,
                s -> s.kvCacheTokensCapacity());
        gauge("localgate.engine.kv.cache.usage", "Share of the KV cache in use (0 to 1)", modelId, model,
                s -> s.kvCacheTokensCapacity() == 0 ? 0 : (double) s.kvCacheTokensUsed() / s.kvCacheTokensCapacity());
        counter("localgate.engine.steps", "Forward passes (batched steps) run", modelId, model, s -> s.steps());
        counter("localgate.engine.batch.rows", "Token rows in those steps; rows per step = rate(rows) / rate(steps)", modelId, model,
                s -> s.batchRowsTotal());
        counter("localgate.engine.prompt.tokens.reused", "Prompt tokens taken from the KV cache instead of computed", modelId, model,
                s -> s.promptTokensReused());
    }

    @Override
    public void failed(String modelId, String backendId, Duration took) {
        loadTimer(modelId, backendId, "failure").record(took);
    }

    private Timer loadTimer(String modelId, String backendId, String outcome) {
        return Timer.builder("localgate.model.load").description("Time to load a model")
                .tags("model", modelId, "backend", backendId, "outcome", outcome)
                .register(registry);
    }

    private void gauge(String name, String description, String modelId, LoadedModel model, ToDoubleFunction<ModelStats> figure) {
        Gauge.builder(name, model, m -> figure.applyAsDouble(m.stats())).description(description)
                .tag("model", modelId).strongReference(true).register(registry);
    }

    private void counter(String name, String description, String modelId, LoadedModel model, ToDoubleFunction<ModelStats> figure) {
        FunctionCounter.builder(name, model, m -> figure.applyAsDouble(m.stats())).description(description)
                .tag("model", modelId).register(registry);
    }
}
