package io.localgate.llamacpp;

import io.localgate.backend.Generation;
import io.localgate.backend.TokenEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Everything a generation published, gathered by a subscriber that asks for all of it. */
record Collected(List<TokenEvent.Token> tokens, TokenEvent.Finished finished) {

    int[] ids() {
        return tokens.stream().mapToInt(TokenEvent.Token::id).toArray();
    }

    static CompletableFuture<Collected> start(Generation generation) {
        return start(generation, () -> { });
    }

    /** @param onToken runs on the backend's thread after each token */
    static CompletableFuture<Collected> start(Generation generation, Runnable onToken) {
        var result = new CompletableFuture<Collected>();
        generation.subscribe(new Flow.Subscriber<>() {
            private final List<TokenEvent.Token> tokens = new ArrayList<>();
            private TokenEvent.Finished finished;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(TokenEvent event) {
                switch (event) {
                    case TokenEvent.Token t -> {
                        tokens.add(t);
                        onToken.run();
                    }
                    case TokenEvent.Finished f -> finished = f;
                }
            }

            @Override
            public void onError(Throwable error) {
                result.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                result.complete(new Collected(List.copyOf(tokens), finished));
            }
        });
        return result;
    }

    static Collected of(Generation generation) {
        try {
            return start(generation).get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the generation failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
