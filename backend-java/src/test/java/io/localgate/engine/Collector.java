package io.localgate.engine;

import io.localgate.backend.TokenEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/** A subscriber that keeps every event and completes when the generation ends. */
final class Collector implements Flow.Subscriber<TokenEvent> {

    final List<TokenEvent> events = new CopyOnWriteArrayList<>();
    final CompletableFuture<List<TokenEvent>> done = new CompletableFuture<>();
    private final int cancelAfterTokens;
    private Flow.Subscription subscription;

    Collector() {
        this(Integer.MAX_VALUE);
    }

    /** Cancels the subscription once it has this many tokens. */
    Collector(int cancelAfterTokens) {
        this.cancelAfterTokens = cancelAfterTokens;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(TokenEvent event) {
        events.add(event);
        if (tokens().size() == cancelAfterTokens) {
            subscription.cancel();
            done.complete(events);
        }
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        done.complete(events);
    }

    List<Integer> tokens() {
        return events.stream().filter(e -> e instanceof TokenEvent.Token).map(e -> ((TokenEvent.Token) e).id()).toList();
    }

    TokenEvent.Finished finished() {
        return (TokenEvent.Finished) events.getLast();
    }

    Collector await() throws Exception {
        done.get(60, TimeUnit.SECONDS);
        return this;
    }
}
