package io.localgate.bench;

import io.localgate.backend.Backend;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent generations straight through the SPI ({@code LoadedModel.submit}, no HTTP), to tell the engine's
 * share of serving from the gateway's: for each concurrency N, N greedy sequences with distinct random prompts
 * (no shared prefix) generate the same number of tokens, end-of-generation tokens banned by logit bias and no
 * log-probabilities asked for (as the serving bench's requests). Reports aggregate generated tokens/s over the
 * time all N sequences are decoding (from the last first token to the last token), the engine's steps in that
 * window (ms per step, rows per step), and the same tokens per second of this process's CPU time, which on a
 * shared machine counts the work rather than the waiting (but also counts spinning threads).
 */
final class EngineBench {

    /**
     * @param threads      compute threads
     * @param parallel     the model's sequence slots
     * @param contextSize  tokens per sequence
     * @param promptTokens prompt length of each sequence
     * @param tokens       tokens each sequence generates
     */
    record Settings(int threads, int parallel, int contextSize, int promptTokens, int tokens) {
        Settings {
            if (promptTokens < 2 || tokens < 2 || promptTokens + tokens > contextSize) {
                throw new IllegalArgumentException("prompt (" + promptTokens + ") and tokens (" + tokens + ") must be >= 2 and fit the context ("
                        + contextSize + ")");
            }
        }
    }

    /** One concurrency level: tokens/s while all decode, ms and rows per engine step then, tokens per CPU second, wall seconds. */
    record Level(int concurrency, double tokensPerSecond, double msPerStep, double rowsPerStep, double tokensPerCpuSecond, double wallSeconds) {
    }

    private final Settings settings;
    private final PrintStream log;

    EngineBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    List<Level> run(Backend backend, Path file, List<Integer> concurrencies) throws InterruptedException {
        var spec = new ModelSpec("engine-bench", file, settings.contextSize(), settings.threads(), settings.parallel(), -1);
        try (LoadedModel model = backend.load(spec)) {
            Tokenizer tokenizer = model.tokenizer();
            Map<Integer, Float> noEnd = new HashMap<>();
            var ordinary = new ArrayList<Integer>();
            for (int t = 0; t < tokenizer.vocabSize(); t++) {
                if (tokenizer.isEndOfGeneration(t)) noEnd.put(t, Float.NEGATIVE_INFINITY);
                else if (!tokenizer.isControl(t)) ordinary.add(t);
            }
            var greedy = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, noEnd);
            var random = new SplittableRandom(1);
            runLevel(model, tokenizer, ordinary, random, greedy, Math.min(2, settings.parallel()), 8); // warm-up
            var levels = new ArrayList<Level>();
            for (int concurrency : concurrencies) {
                if (concurrency > settings.parallel()) throw new IllegalArgumentException("concurrency " + concurrency + " > parallel");
                Level level = runLevel(model, tokenizer, ordinary, random, greedy, concurrency, settings.tokens());
                log.printf(Locale.ROOT, "  %s concurrency %d: %.1f tokens/s, %.2f ms per step of %.2f rows, %.1f tokens per CPU second%n",
                        backend.id(), concurrency, level.tokensPerSecond(), level.msPerStep(), level.rowsPerStep(), level.tokensPerCpuSecond());
                levels.add(level);
            }
            return levels;
        } catch (io.localgate.backend.ModelLoadException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private Level runLevel(LoadedModel model, Tokenizer tokenizer, List<Integer> ordinary, SplittableRandom random, SamplingParams sampling,
                           int concurrency, int tokens) throws InterruptedException {
        var processCpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var times = new long[concurrency][tokens];
        var decoding = new AtomicInteger();
        // what the engine and the process had done when the last sequence got its first token
        var atAllDecoding = new CompletableFuture<long[]>();
        var done = new ArrayList<CompletableFuture<Void>>();
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            int[] prompt = new int[settings.promptTokens()];
            prompt[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : ordinary.getFirst();
            for (int t = 1; t < prompt.length; t++) prompt[t] = ordinary.get(random.nextInt(ordinary.size()));
            int index = i;
            var finished = new CompletableFuture<Void>();
            done.add(finished);
            var request = new GenerationRequest(prompt, sampling, tokens).withLogprobs(false);
            model.submit(request).subscribe(new Flow.Subscriber<>() {
                private int generated;

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(TokenEvent event) {
                    if (event instanceof TokenEvent.Token && generated < tokens) {
                        times[index][generated++] = System.nanoTime();
                        if (generated == 1 && decoding.incrementAndGet() == concurrency) {
                            ModelStats stats = model.stats();
                            atAllDecoding.complete(new long[] {processCpu.getProcessCpuTime(), stats.steps(), stats.batchRowsTotal()});
                        }
                    }
                }

                @Override
                public void onError(Throwable error) {
                    finished.completeExceptionally(error);
                }

                @Override
                public void onComplete() {
                    if (generated != tokens) finished.completeExceptionally(new IllegalStateException("generated " + generated + " tokens"));
                    else finished.complete(null);
                }
            });
        }
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a generation failed: " + e.getCause(), e.getCause());
        }
        long end = System.nanoTime();
        long cpuEnd = processCpu.getProcessCpuTime();
        ModelStats after = model.stats();
        long[] before = atAllDecoding.join();
        long allDecoding = 0;
        for (long[] t : times) allDecoding = Math.max(allDecoding, t[0]);
        long counted = 0; // tokens produced after every sequence was decoding
        for (long[] t : times) {
            for (long time : t) if (time > allDecoding) counted++;
        }
        double window = (end - allDecoding) / 1e9;
        long steps = after.steps() - before[1];
        return new Level(concurrency, counted / window, steps == 0 ? 0 : window * 1000 / steps,
                steps == 0 ? 0 : (double) (after.batchRowsTotal() - before[2]) / steps, counted / ((cpuEnd - before[0]) / 1e9),
                (end - start) / 1e9);
    }

    static String header() {
        return """
                | backend | threads | concurrency | tok/s (all decoding) | ms per step | rows per step | tok per CPU s | tok/s vs 1 |
                |---|---:|---:|---:|---:|---:|---:|---:|
                """;
    }

    static List<String> rows(String backend, int threads, List<Level> levels) {
        double single = levels.stream().filter(l -> l.concurrency() == 1).mapToDouble(Level::tokensPerSecond).findFirst().orElse(0);
        return levels.stream().map(l -> String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.2f | %.2f | %.1f | %s |", backend, threads,
                l.concurrency(), l.tokensPerSecond(), l.msPerStep(), l.rowsPerStep(), l.tokensPerCpuSecond(),
                single > 0 ? String.format(Locale.ROOT, "%.2f×", l.tokensPerSecond() / single) : "–")).toList();
    }
}
