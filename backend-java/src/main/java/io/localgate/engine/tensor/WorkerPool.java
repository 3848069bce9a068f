package io.localgate.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of compute threads that split a range of work (output rows, attention heads) into one
 * contiguous part per thread; the calling thread computes part 0 and waits for the others. One caller
 * at a time (a model's scheduler loop); nothing is allocated per call.
 *
 * <p>A decode step hands out about a hundred small jobs, tens of microseconds apart: waking a parked
 * thread costs about as much as a job, so workers and the caller spin briefly before they park.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the indices {@code [from, to)}; {@code part} (below {@link #threads()}) can pick scratch space. */
    @FunctionalInterface
    public interface PartTask {
        void run(int part, int from, int to);
    }

    /** How long a thread spins for the next job (or the caller for its workers) before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;
    private PartTask task;
    private int total;
    private int parts;

    /** @param threads compute threads, the caller included */
    public WorkerPool(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name(name + "-worker-" + part).start(() -> work(part));
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, n)} split across the threads, and returns when all parts are done. */
    public void run(int n, PartTask task) {
        if (closed) throw new IllegalStateException("worker pool is closed");
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) task.run(0, 0, n);
            return;
        }
        this.task = task;
        this.total = n;
        this.parts = parts;
        this.caller = Thread.currentThread();
        this.failure = null;
        unfinished.set(parts - 1);
        generation++; // publishes the fields above to the workers
        for (int part = 1; part < parts; part++) LockSupport.unpark(workers[part - 1]);
        Throwable own = null;
        try {
            runPart(0);
        } catch (Throwable t) {
            own = t;
        }
        long spinStart = System.nanoTime();
        while (unfinished.get() != 0) {
            if (System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
            else LockSupport.park(this);
        }
        this.task = null;
        Throwable first = own != null ? own : failure;
        if (first instanceof RuntimeException e) throw e;
        if (first instanceof Error e) throw e;
        if (first != null) throw new IllegalStateException(first);
    }

    private void runPart(int part) {
        task.run(part, (int) ((long) total * part / parts), (int) ((long) total * (part + 1) / parts));
    }

    private void work(int part) {
        long seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            if (part >= parts) continue;
            try {
                runPart(part);
            } catch (Throwable t) {
                failure = t;
            }
            if (unfinished.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) LockSupport.unpark(worker);
    }
}
