package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadChooserTest {

    /** Runs {@code steps} decodes of {@code rows} rows whose times {@code costs} gives per thread count; returns how many used one thread. */
    private static int run(ThreadChooser chooser, int rows, int steps, long costWithTwo, long costWithOne) {
        int single = 0;
        for (int i = 0; i < steps; i++) {
            int threads = chooser.threadsFor(rows);
            if (threads == 1) single++;
            chooser.record(rows, threads, threads == 1 ? costWithOne : costWithTwo);
        }
        return single;
    }

    @Test
    void one_configured_thread_is_always_one() {
        var chooser = new ThreadChooser(1);
        assertThat(run(chooser, 8, 100, 5, 10)).isEqualTo(100);
    }

    @Test
    void keeps_the_configured_threads_while_they_are_faster_trying_one_thread_rarely() {
        var chooser = new ThreadChooser(2);
        int single = run(chooser, 1, 1000, 10_000_000, 20_000_000);
        // trials cost about 1/TRIAL_EVERY of the time: one thread runs in about 1/(2 * TRIAL_EVERY) of the steps here
        assertThat(single).isBetween(1, 1000 / ThreadChooser.TRIAL_EVERY);
    }

    @Test
    void moves_to_one_thread_when_the_cores_are_busy_and_back_when_they_are_free() {
        var chooser = new ThreadChooser(2);
        run(chooser, 8, 100, 10_000_000, 20_000_000);
        // busy cores: two threads spin at ggml's barriers, a step takes 40x longer
        int single = run(chooser, 8, 200, 800_000_000, 20_000_000);
        assertThat(single).isGreaterThan(190);
        assertThat(chooser.threadsFor(8)).isEqualTo(1);
        // the cores are free again: within a few seconds of steps the configured count is back
        run(chooser, 8, 2000, 10_000_000, 20_000_000);
        assertThat(chooser.threadsFor(8)).isEqualTo(2);
    }

    @Test
    void batch_sizes_are_judged_apart() {
        var chooser = new ThreadChooser(2);
        run(chooser, 1, 100, 10_000_000, 8_000_000); // one row: one thread is faster
        run(chooser, 64, 100, 50_000_000, 90_000_000); // a prompt chunk: two are
        assertThat(chooser.threadsFor(1)).isEqualTo(1);
        assertThat(chooser.threadsFor(64)).isEqualTo(2);
    }
}
