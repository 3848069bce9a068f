package io.localgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

class ModelQueueTest {

    private static ModelQueue queue(int concurrent, int waiting) {
        return new ModelQueue(Bulkhead.of("test", BulkheadConfig.custom().maxConcurrentCalls(concurrent)
                .maxWaitDuration(Duration.ZERO).build()), waiting);
    }

    @Test
    void admits_up_to_the_limit_then_queues_then_refuses() {
        var queue = queue(2, 1);
        var first = queue.enter().block();
        var second = queue.enter().block();
        List<ModelQueue.Permit> third = new ArrayList<>();
        queue.enter().subscribe(third::add);
        assertThat(queue.running()).isEqualTo(2);
        assertThat(queue.waiting()).isEqualTo(1);
        StepVerifier.create(queue.enter()).expectError(ModelQueue.Full.class).verify();

        first.release();
        assertThat(third).hasSize(1);
        assertThat(queue.running()).isEqualTo(2);
        assertThat(queue.waiting()).isZero();
        // a second release of the same permit frees nothing more
        first.release();
        assertThat(queue.running()).isEqualTo(2);
        second.release();
        third.getFirst().release();
        assertThat(queue.running()).isZero();
    }

    @Test
    void first_come_first_served() {
        var queue = queue(1, 3);
        var holder = queue.enter().block();
        List<String> order = new ArrayList<>();
        List<ModelQueue.Permit> permits = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            queue.enter().subscribe(permit -> {
                order.add(name);
                permits.add(permit);
            });
        }
        holder.release();
        permits.getLast().release();
        permits.getLast().release();
        assertThat(order).containsExactly("a", "b", "c");
    }

    @Test
    void a_request_that_gives_up_leaves_the_queue() {
        var queue = queue(1, 1);
        var holder = queue.enter().block();
        Disposable waiting = queue.enter().subscribe();
        assertThat(queue.waiting()).isEqualTo(1);
        waiting.dispose();
        assertThat(queue.waiting()).isZero();
        // its place is free again, and the permit released goes to nobody who left
        List<ModelQueue.Permit> next = new ArrayList<>();
        queue.enter().subscribe(next::add);
        holder.release();
        assertThat(next).hasSize(1);
        next.getFirst().release();
        assertThat(queue.running()).isZero();
    }

    @Test
    void racing_releases_and_cancellations_leak_no_permit() throws Exception {
        var queue = queue(2, 1000);
        var pool = Executors.newFixedThreadPool(4);
        var releases = Executors.newFixedThreadPool(2);
        int requests = 2000;
        var done = new CountDownLatch(requests);
        for (int i = 0; i < requests; i++) {
            boolean giveUp = i % 3 == 0;
            pool.execute(() -> {
                // the permit is taken in the first operator, as RequestScope does: a lambda subscriber drops a
                // value that races its own dispose, and the permit it carried would never come back
                Disposable subscription = queue.enter()
                        .doOnNext(permit -> releases.execute(permit::release))
                        .subscribe(permit -> { }, full -> { });
                if (giveUp) subscription.dispose();
                done.countDown();
            });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(queue.waiting()).isZero();
            assertThat(queue.running()).isZero();
        });
        pool.shutdown();
        releases.shutdown();
    }
}
