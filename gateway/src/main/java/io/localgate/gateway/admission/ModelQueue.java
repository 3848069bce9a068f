package io.localgate.gateway.admission;

import io.github.resilience4j.bulkhead.Bulkhead;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One model's admission: a {@link Bulkhead} of concurrent requests (its permissions taken without waiting,
 * so no thread ever blocks) and, in front of it, a bounded first-come-first-served queue of requests
 * waiting for a permission, which each released permission hands to the head of the queue.
 */
final class ModelQueue {

    private final Bulkhead bulkhead;
    private final int capacity;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>(); // guarded by this

    ModelQueue(Bulkhead bulkhead, int capacity) {
        this.bulkhead = bulkhead;
        this.capacity = capacity;
    }

    /** The request's place among the running ones; freed once, whatever calls {@link #release()} how often. */
    final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                bulkhead.onComplete();
                admitWaiting();
            }
        }
    }

    /** The queue is full. */
    static final class Full extends RuntimeException {
        Full() {
            super(null, null, false, false);
        }
    }

    /**
     * A permit as soon as there is one: at once, or after the requests waiting before this one. Errors with
     * {@link Full} when the queue is full. Cancelling leaves the queue (or gives back a permit just granted).
     * The caller takes the permit in its first operator ({@code doOnNext}): a subscriber that drops a value
     * racing its own cancel, as a lambda subscriber does, would lose the permit it carried.
     */
    Mono<Permit> enter() {
        return Mono.create(sink -> {
            var waiter = new Waiter(sink);
            sink.onCancel(waiter::cancel);
            boolean admitted = false;
            boolean full = false;
            synchronized (this) {
                if (waiting.isEmpty() && bulkhead.tryAcquirePermission()) admitted = true;
                else if (waiting.size() >= capacity) full = true;
                else waiting.add(waiter);
            }
            // the sink is told outside the lock: what it runs next must not hold up the queue
            if (admitted) {
                waiter.grant(new Permit());
                return;
            }
            if (full) {
                sink.error(new Full());
                return;
            }
            // a permission may have been released between the failed try and joining the queue
            admitWaiting();
        });
    }

    /** Requests waiting for a permission. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** Requests holding a permission. */
    int running() {
        var config = bulkhead.getBulkheadConfig();
        return config.getMaxConcurrentCalls() - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }

    int limit() {
        return bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
    }

    private void admitWaiting() {
        while (true) {
            Waiter next;
            synchronized (this) {
                if (waiting.isEmpty() || !bulkhead.tryAcquirePermission()) return;
                next = waiting.poll();
            }
            next.grant(new Permit());
        }
    }

    private synchronized void leave(Waiter waiter) {
        waiting.remove(waiter);
    }

    private enum State { WAITING, GRANTED, CANCELLED }

    /** A request in the queue; granting and cancelling race, and exactly one of them wins. */
    private final class Waiter {
        private final MonoSink<Permit> sink;
        private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
        private volatile Permit permit;

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        void grant(Permit granted) {
            permit = granted;
            if (state.compareAndSet(State.WAITING, State.GRANTED)) {
                sink.success(granted);
            } else {
                granted.release();
            }
        }

        void cancel() {
            if (state.compareAndSet(State.WAITING, State.CANCELLED)) {
                leave(this);
            } else if (state.get() == State.GRANTED && permit != null) {
                // cancelled between the grant and its delivery: the sink drops the permit, so give it back
                permit.release();
            }
        }
    }
}
