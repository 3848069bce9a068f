package io.localgate.llamacpp.bench;

import io.localgate.backend.Backend;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Aggregate decode speed with several sequences at once, straight through {@code LoadedModel.submit}
 * (no HTTP): for each concurrency N, N sequences with distinct short random prompts (so no prefix is
 * shared) generate the same number of tokens, end-of-generation banned. Reports the generated tokens of
 * all sequences over the time from the moment every sequence has its first token to the last token
 * (decode only), the same per second of the process's CPU time (steadier than wall time on a shared
 * machine: with one compute thread it counts the work, not the waiting), the whole wall time, and the
 * engine's rows per step. Either backend (ServiceLoader id).
 *
 * <p>Usage: {@code ConcurrencyBench BACKEND MODEL.gguf THREADS GENERATED CONCURRENCY...} (the model is
 * loaded once with {@code parallel} = the largest concurrency).
 */
public final class ConcurrencyBench {

    private ConcurrencyBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: ConcurrencyBench BACKEND MODEL.gguf THREADS GENERATED CONCURRENCY...");
            System.exit(2);
        }
        String backendId = args[0];
        Path file = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        int generated = Integer.parseInt(args[3]);
        int[] concurrencies = new int[args.length - 4];
        for (int i = 0; i < concurrencies.length; i++) concurrencies[i] = Integer.parseInt(args[4 + i]);
        int parallel = 0;
        for (int c : concurrencies) parallel = Math.max(parallel, c);
        Backend backend = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .filter(b -> b.id().equals(backendId)).findFirst().orElseThrow(() -> new IllegalArgumentException("no backend " + backendId));
        int promptTokens = 16;
        try (LoadedModel model = backend.load(new ModelSpec("bench", file, promptTokens + generated + 8, threads, parallel, -1))) {
            Tokenizer tokenizer = model.tokenizer();
            Map<Integer, Float> noEnd = new HashMap<>();
            var ordinary = new ArrayList<Integer>();
            for (int t = 0; t < tokenizer.vocabSize(); t++) {
                if (tokenizer.isEndOfGeneration(t)) noEnd.put(t, Float.NEGATIVE_INFINITY);
                else if (!tokenizer.isControl(t)) ordinary.add(t);
            }
            var greedy = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, noEnd);
            var random = new SplittableRandom(1);
            run(model, tokenizer, ordinary, random, greedy, Math.min(parallel, 2), 8, promptTokens); // warm-up
            double single = 0;
            double singleCpu = 0;
            for (int c : concurrencies) {
                ModelStats before = model.stats();
                double[] r = run(model, tokenizer, ordinary, random, greedy, c, generated, promptTokens);
                ModelStats after = model.stats();
                double rowsPerStep = (double) (after.batchRowsTotal() - before.batchRowsTotal()) / (after.steps() - before.steps());
                if (c == 1) {
                    single = r[0];
                    singleCpu = r[2];
                }
                System.out.printf("RESULT %s %s threads %d: %d concurrent x %d tokens: decode %.1f tokens/s aggregate (%.1f per sequence)%s;"
                                + " %.1f tokens per CPU second%s; wall %.2f s, %.2f rows per step%n", backendId, file.getFileName(), threads, c,
                        generated, r[0], r[0] / c, c > 1 && single > 0 ? String.format(" = %.2fx one", r[0] / single) : "", r[2],
                        c > 1 && singleCpu > 0 ? String.format(" = %.2fx one", r[2] / singleCpu) : "", r[1], rowsPerStep);
            }
        }
    }

    /** @return aggregate decode tokens per second, wall seconds, and decode tokens per second of process CPU time */
    private static double[] run(LoadedModel model, Tokenizer tokenizer, List<Integer> ordinary, SplittableRandom random, SamplingParams sampling,
                                int concurrency, int generated, int promptTokens) throws Exception {
        var times = new long[concurrency][generated];
        var processCpu = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var decoding = new java.util.concurrent.atomic.AtomicInteger();
        var cpuAtAllStarted = new long[1];
        var done = new ArrayList<CompletableFuture<Void>>();
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            int[] prompt = new int[promptTokens];
            prompt[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : ordinary.getFirst();
            for (int t = 1; t < promptTokens; t++) prompt[t] = ordinary.get(random.nextInt(ordinary.size()));
            int index = i;
            var finished = new CompletableFuture<Void>();
            done.add(finished);
            model.submit(new GenerationRequest(prompt, sampling, generated)).subscribe(new Flow.Subscriber<>() {
                private int tokens;

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(TokenEvent event) {
                    if (event instanceof TokenEvent.Token && tokens < generated) {
                        times[index][tokens++] = System.nanoTime();
                        if (tokens == 1 && decoding.incrementAndGet() == concurrency) cpuAtAllStarted[0] = processCpu.getProcessCpuTime();
                    }
                }

                @Override
                public void onError(Throwable error) {
                    finished.completeExceptionally(error);
                }

                @Override
                public void onComplete() {
                    if (tokens != generated) finished.completeExceptionally(new IllegalStateException("generated " + tokens + " tokens"));
                    else finished.complete(null);
                }
            });
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        long end = System.nanoTime();
        long cpu = processCpu.getProcessCpuTime() - cpuAtAllStarted[0];
        long allStarted = 0;
        for (long[] t : times) allStarted = Math.max(allStarted, t[0]);
        long tokens = 0; // produced after every sequence was decoding
        for (long[] t : times) {
            for (long time : t) if (time > allStarted) tokens++;
        }
        return new double[] {tokens / ((end - allStarted) / 1e9), (end - start) / 1e9, tokens / (cpu / 1e9)};
    }
}
