package io.localgate.llamacpp;

/**
 * Chooses how many threads each {@code llama_decode} uses: the configured count or one, whichever has lately
 * been faster for batches of that size.
 *
 * <p>Why: ggml's threads meet at a barrier after every operation of the graph (hundreds per decode), and wait
 * there by spinning, never yielding. When the cores are shared (with the gateway's own threads, the clients,
 * other processes) and one compute thread is descheduled, the others spin until it runs again, so a decode can
 * take many times longer than with one thread: on a 2-core machine with a load average of 8, a one-row step of
 * SmolLM2-135M took 870 ms with two threads and 20 ms with one. On idle cores the configured count is faster.
 *
 * <p>How: per class of batch size (1 row, 2–3, 4–7, ...), a moving average of the step time of each setting.
 * The faster one runs; the other is tried again once the faster has run for {@link #TRIAL_EVERY} times the
 * other's last known step time, so trials cost about 1/{@value #TRIAL_EVERY} of the time however slow the other
 * setting is, and a change of load is noticed within seconds. Only the decode thread uses it.
 */
final class ThreadChooser {

    /** Batch size classes: rows 1, 2–3, 4–7, ..., 128 and more. */
    private static final int CLASSES = 8;
    /** The weight of a new step time in the moving averages. */
    private static final double WEIGHT = 0.25;
    static final int TRIAL_EVERY = 20;

    private final int configured;
    /** Average step nanos of [class][setting]: setting 0 the configured thread count, 1 one thread; 0 while unmeasured. */
    private final double[][] stepNanos = new double[CLASSES][2];
    /** Nanos spent on the faster setting since the slower one was last tried, per class. */
    private final double[] sinceTrial = new double[CLASSES];

    ThreadChooser(int configured) {
        this.configured = configured;
    }

    /** The threads to decode a batch of {@code rows} rows with. */
    int threadsFor(int rows) {
        if (configured <= 1) return configured;
        double[] times = stepNanos[sizeClass(rows)];
        if (times[0] == 0) return configured;
        if (times[1] == 0) return 1;
        int faster = times[0] <= times[1] ? 0 : 1;
        int slower = 1 - faster;
        boolean trial = sinceTrial[sizeClass(rows)] >= TRIAL_EVERY * times[slower];
        return setting(trial ? slower : faster);
    }

    /** Remembers how long a decode of {@code rows} rows took with {@code threads} threads. */
    void record(int rows, int threads, long nanos) {
        if (configured <= 1) return;
        int sizeClass = sizeClass(rows);
        double[] times = stepNanos[sizeClass];
        int setting = threads == configured ? 0 : 1;
        // a trial of the slower setting: its average is old, so the new time replaces it
        boolean trial = times[1 - setting] != 0 && times[setting] > times[1 - setting];
        times[setting] = times[setting] == 0 || trial ? nanos : times[setting] + WEIGHT * (nanos - times[setting]);
        sinceTrial[sizeClass] = trial ? 0 : sinceTrial[sizeClass] + nanos;
    }

    private int setting(int index) {
        return index == 0 ? configured : 1;
    }

    private static int sizeClass(int rows) {
        return Math.min(CLASSES - 1, 31 - Integer.numberOfLeadingZeros(Math.max(1, rows)));
    }
}
