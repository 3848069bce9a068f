package io.localgate.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokenPublisherTest {

    /** Records what it receives and requests only when told to. */
    static final class Recorder implements Flow.Subscriber<TokenEvent> {
        final List<TokenEvent> events = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Flow.Subscription subscription;

        @Override public void onSubscribe(Flow.Subscription s) { subscription = s; }
        @Override public void onNext(TokenEvent item) { events.add(item); }
        @Override public void onError(Throwable t) { error.set(t); done.countDown(); }
        @Override public void onComplete() { done.countDown(); }
    }

    private static TokenEvent token(int id) {
        return new TokenEvent.Token(id, -1f, List.of());
    }

    @Test
    void deliversOnlyWhatWasRequestedThenCompletes() {
        var publisher = new TokenPublisher(() -> { }, () -> { });
        var recorder = new Recorder();
        publisher.subscribe(recorder);
        publisher.emit(token(1));
        publisher.emit(token(2));
        publisher.emit(token(3));
        publisher.complete();
        assertThat(recorder.events).isEmpty();
        recorder.subscription.request(2);
        assertThat(recorder.events).containsExactly(token(1), token(2));
        assertThat(recorder.done.getCount()).as("not complete while an event is pending").isEqualTo(1);
        recorder.subscription.request(5);
        assertThat(recorder.events).containsExactly(token(1), token(2), token(3));
        assertThat(recorder.done.getCount()).isZero();
        assertThat(recorder.error.get()).isNull();
    }

    @Test
    void startsWorkOnlyWhenSubscribed() {
        var started = new AtomicInteger();
        var publisher = new TokenPublisher(started::incrementAndGet, () -> { });
        assertThat(started).hasValue(0);
        publisher.subscribe(new Recorder());
        assertThat(started).hasValue(1);
    }

    @Test
    void cancellingStopsDeliveryAndRunsTheHookOnce() {
        var cancelled = new AtomicInteger();
        var publisher = new TokenPublisher(() -> { }, cancelled::incrementAndGet);
        var recorder = new Recorder();
        publisher.subscribe(recorder);
        recorder.subscription.request(Long.MAX_VALUE);
        publisher.emit(token(1));
        recorder.subscription.cancel();
        publisher.cancel();
        publisher.emit(token(2));
        publisher.complete();
        assertThat(cancelled).hasValue(1);
        assertThat(publisher.isCancelled()).isTrue();
        assertThat(recorder.events).containsExactly(token(1));
        assertThat(recorder.done.getCount()).as("no terminal signal after cancel").isEqualTo(1);
    }

    @Test
    void failureArrivesAfterPendingEvents() {
        var publisher = new TokenPublisher(() -> { }, () -> { });
        var recorder = new Recorder();
        publisher.subscribe(recorder);
        publisher.emit(token(7));
        publisher.fail(new IllegalStateException("model closed"));
        recorder.subscription.request(1);
        assertThat(recorder.events).containsExactly(token(7));
        assertThat(recorder.error.get()).hasMessage("model closed");
    }

    @Test
    void nonPositiveDemandIsAnErrorAndCancels() {
        var cancelled = new AtomicInteger();
        var publisher = new TokenPublisher(() -> { }, cancelled::incrementAndGet);
        var recorder = new Recorder();
        publisher.subscribe(recorder);
        recorder.subscription.request(0);
        assertThat(recorder.error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
        assertThat(cancelled).hasValue(1);
    }

    @Test
    void aSecondSubscriberIsRefused() {
        var publisher = new TokenPublisher(() -> { }, () -> { });
        publisher.subscribe(new Recorder());
        var second = new Recorder();
        publisher.subscribe(second);
        assertThat(second.error.get()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void concurrentProducerAndConsumerLoseNothingAndKeepOrder() throws InterruptedException {
        var publisher = new TokenPublisher(() -> { }, () -> { });
        var recorder = new Recorder();
        publisher.subscribe(recorder);
        int n = 20_000;
        Thread producer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < n; i++) publisher.emit(token(i));
            publisher.complete();
        });
        Thread consumer = Thread.ofPlatform().start(() -> {
            while (recorder.done.getCount() > 0) {
                recorder.subscription.request(3);
                Thread.onSpinWait();
            }
        });
        assertThat(recorder.done.await(30, TimeUnit.SECONDS)).isTrue();
        producer.join();
        consumer.join();
        assertThat(recorder.events).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(((TokenEvent.Token) recorder.events.get(i)).id()).isEqualTo(i);
    }
}
