package io.localgate.gateway.registry;

import io.localgate.backend.Backend;
import io.localgate.backend.Capability;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.gateway.prompt.ChatFormat;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A model of the models directory: what start-up learnt about it, and its loaded form once a request
 * has asked for it. Loading happens once (concurrent first requests share it) and the model then stays
 * loaded; a failed load is tried again by the next request.
 */
public final class RegisteredModel {

    private static final Logger log = LoggerFactory.getLogger(RegisteredModel.class);

    /** What start-up found: ready to load, or the reason it cannot serve. */
    sealed interface Availability {
        record Ready(ModelConfig config, Backend backend, ModelInfo info, int contextSize, int threads) implements Availability {
        }

        record Unavailable(ModelUnavailableException reason) implements Availability {
        }
    }

    private final String id;
    private final long created;
    private final Availability availability;
    private final Executor loader;
    private final ModelLoadListener listener;
    private CompletableFuture<ServingModel> loading; // guarded by this

    RegisteredModel(String id, long created, Availability availability, Executor loader, ModelLoadListener listener) {
        this.id = id;
        this.created = created;
        this.availability = availability;
        this.loader = loader;
        this.listener = listener;
    }

    public String id() {
        return id;
    }

    /** When the model's file was last modified, in seconds since the epoch (the {@code created} of {@code /v1/models}). */
    public long created() {
        return created;
    }

    /** Why the model cannot be served, when start-up found that it cannot. */
    public Optional<ModelUnavailableException> unavailable() {
        return availability instanceof Availability.Unavailable unavailable ? Optional.of(unavailable.reason()) : Optional.empty();
    }

    /** What the model can do once loaded; empty when it cannot serve at all. */
    public Set<Capability> capabilities() {
        return availability instanceof Availability.Ready ready ? ready.info().capabilities() : Set.of();
    }

    /**
     * The loaded model; the first call loads it on the loader's thread. Errors with
     * {@link ModelUnavailableException} when the model cannot serve text generation. A {@link ModelGate}
     * in the subscriber's context is passed first.
     */
    public Mono<ServingModel> serve() {
        return serve(EnumSet.of(Capability.COMPLETION, Capability.CHAT), "does not generate text", true);
    }

    /** The loaded model, for embeddings; errors with {@link ModelUnavailableException} when it does not produce them. */
    public Mono<ServingModel> serveEmbeddings() {
        return serve(EnumSet.of(Capability.EMBEDDINGS), "does not produce embeddings", true);
    }

    /** The loaded model whatever it can do (its tokenizer serves {@code /tokenize}); never waits at a {@link ModelGate}. */
    public Mono<ServingModel> serveAny() {
        return serve(EnumSet.allOf(Capability.class), "cannot serve", false);
    }

    /**
     * @param anyOf    the model must have one of these capabilities
     * @param admitted whether the request passes a {@link ModelGate} found in the subscriber's context (work that
     *                 occupies the model does; a tokenizer lookup does not)
     */
    private Mono<ServingModel> serve(Set<Capability> anyOf, String otherwise, boolean admitted) {
        return switch (availability) {
            case Availability.Unavailable unavailable -> Mono.error(unavailable.reason());
            case Availability.Ready ready -> {
                if (ready.info().capabilities().stream().noneMatch(anyOf::contains)) {
                    yield Mono.error(new ModelUnavailableException(ModelUnavailableException.Problem.WRONG_CAPABILITY,
                            "The model '" + id + "' (" + ready.info().architecture() + ") " + otherwise + " (it can do: "
                                    + describe(ready.info().capabilities()) + ")."));
                }
                // a client that goes away must not cancel a load that other requests share
                Mono<ServingModel> load = Mono.fromFuture(() -> loadOnce(ready), true);
                if (!admitted) yield load;
                yield Mono.deferContextual(context -> context.<ModelGate>getOrEmpty(ModelGate.class)
                        .map(gate -> gate.enter(id, ready.config()).then(load))
                        .orElse(load));
            }
        };
    }

    private static String describe(Set<Capability> capabilities) {
        return capabilities.isEmpty() ? "nothing"
                : capabilities.stream().sorted().map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    private synchronized CompletableFuture<ServingModel> loadOnce(Availability.Ready ready) {
        if (loading == null || loading.isCompletedExceptionally()) {
            loading = CompletableFuture.supplyAsync(() -> load(ready), loader);
        }
        return loading;
    }

    private ServingModel load(Availability.Ready ready) {
        var config = ready.config();
        var spec = config.spec(ready.contextSize(), ready.threads());
        long start = System.nanoTime();
        LoadedModel model;
        try {
            model = ready.backend().load(spec);
        } catch (ModelLoadException e) {
            listener.failed(id, ready.backend().id(), Duration.ofNanos(System.nanoTime() - start));
            var failure = ModelRegistry.unavailable(id, config.file(), e);
            log.error("{}", failure.getMessage());
            throw failure;
        } catch (RuntimeException e) {
            listener.failed(id, ready.backend().id(), Duration.ofNanos(System.nanoTime() - start));
            log.error("Model '{}' failed to load", id, e);
            throw new ModelUnavailableException(ModelUnavailableException.Problem.BROKEN_FILE,
                    "The model '" + id + "' failed to load: " + e, e);
        }
        ChatFormat chat;
        try {
            chat = ChatFormat.of(config.template(), model.info(), model.tokenizer());
        } catch (RuntimeException e) {
            model.close();
            listener.failed(id, ready.backend().id(), Duration.ofNanos(System.nanoTime() - start));
            log.error("Model '{}' loaded but its tokenizer failed", id, e);
            throw new ModelUnavailableException(ModelUnavailableException.Problem.BROKEN_FILE,
                    "The model '" + id + "' loaded but its tokenizer failed: " + e, e);
        }
        chat.templateError().ifPresent(error ->
                log.error("Model '{}': its chat template does not compile, so chat requests fail (completions work): {}", id, error));
        var took = Duration.ofNanos(System.nanoTime() - start);
        log.info("Loaded model '{}' ({}, {}, context {}) with backend '{}' in {} ms", id, model.info().architecture(),
                model.info().fileType(), model.contextSize(), ready.backend().id(), took.toMillis());
        listener.loaded(id, ready.backend().id(), model, took);
        return new ServingModel(config, model, chat);
    }

    /** The loaded model, when it has been loaded (for shutting down). */
    synchronized Optional<LoadedModel> loaded() {
        return loading != null && loading.isDone() && !loading.isCompletedExceptionally()
                ? Optional.of(loading.join().model())
                : Optional.empty();
    }
}
