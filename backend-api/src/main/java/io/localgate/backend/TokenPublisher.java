package io.localgate.backend;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link Generation} that backends hand out: the backend's compute loop pushes events with
 * {@link #emit}, {@link #complete} and {@link #fail} and never blocks; events wait in a queue until the
 * single subscriber asks for them. The queue is bounded in practice by the request's token limit.
 */
public final class TokenPublisher implements Generation {

    private final ConcurrentLinkedQueue<TokenEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Runnable onStart;
    private final Runnable onCancel;
    private volatile Flow.Subscriber<? super TokenEvent> subscriber;
    private volatile boolean done;
    private volatile Throwable error;
    private volatile int cachedTokens;
    private boolean terminated;

    /**
     * @param onStart  runs once when the subscriber arrives (the backend admits the sequence then)
     * @param onCancel runs once when the consumer cancels (the backend frees the sequence)
     */
    public TokenPublisher(Runnable onStart, Runnable onCancel) {
        this.onStart = Objects.requireNonNull(onStart);
        this.onCancel = Objects.requireNonNull(onCancel);
    }

    /** The backend reports, before the first token, how many prompt tokens it reused (see {@link Generation#cachedTokens()}). */
    public void setCachedTokens(int tokens) {
        cachedTokens = tokens;
    }

    @Override
    public int cachedTokens() {
        return cachedTokens;
    }

    /** Whether the consumer has gone: the backend should stop computing for this sequence. */
    public boolean isCancelled() {
        return cancelled.get();
    }

    public void emit(TokenEvent event) {
        if (done || cancelled.get()) return;
        queue.offer(event);
        drain();
    }

    public void complete() {
        done = true;
        drain();
    }

    public void fail(Throwable cause) {
        if (done) return;
        error = cause;
        done = true;
        drain();
    }

    @Override
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            queue.clear();
            onCancel.run();
        }
    }

    @Override
    public void subscribe(Flow.Subscriber<? super TokenEvent> s) {
        Objects.requireNonNull(s);
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) { }
                @Override public void cancel() { }
            });
            s.onError(new IllegalStateException("a generation has a single subscriber"));
            return;
        }
        subscriber = s;
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    fail(new IllegalArgumentException("request(" + n + "): demand must be positive (reactive streams 3.9)"));
                    TokenPublisher.this.cancel();
                    return;
                }
                demand.getAndAccumulate(n, (current, add) -> current + add < 0 ? Long.MAX_VALUE : current + add);
                drain();
            }

            @Override
            public void cancel() {
                TokenPublisher.this.cancel();
            }
        });
        if (!cancelled.get()) onStart.run();
        drain();
    }

    private void drain() {
        if (drainers.getAndIncrement() != 0) return;
        int missed = 1;
        do {
            var s = subscriber;
            if (s != null && !terminated) {
                while (!cancelled.get() && demand.get() > 0) {
                    TokenEvent next = queue.poll();
                    if (next == null) break;
                    demand.decrementAndGet();
                    s.onNext(next);
                }
                if (!cancelled.get() && done && queue.isEmpty()) {
                    terminated = true;
                    Throwable failure = error;
                    if (failure != null) s.onError(failure); else s.onComplete();
                }
            }
            missed = drainers.addAndGet(-missed);
        } while (missed != 0);
    }
}
