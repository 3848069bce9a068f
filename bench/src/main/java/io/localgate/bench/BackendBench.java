package io.localgate.bench;

import io.localgate.backend.Backend;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Prompt processing (ppN) and generation (tgN) speed of one model file in one or more backends, measured the way
 * llama-bench measures them, through the SPI both backends implement:
 * <ul>
 *   <li>ppN: a fresh sequence with an N-token prompt of random tokens and one token to generate; the
 *       time from submitting it to its first token (the prompt's forward pass in one batch of N rows,
 *       plus choosing one token). tokens/s = N / that time.</li>
 *   <li>tgN: a fresh sequence with a one-token prompt generating N + 1 tokens; the time from its first
 *       token to its last, which is N forward passes of one row, each followed by choosing the token.
 *       tokens/s = N / that time.</li>
 * </ul>
 * Both backends choose tokens greedily (argmax) with end-of-generation tokens banned by a logit bias, so
 * every run generates its full length and both pay the same small per-token sampling cost (llama-bench
 * itself does not sample; that cost is a fraction of a millisecond per token). One warm-up run of each
 * test is made and not counted; the backends take turns run by run. The model is loaded for the CPU
 * ({@code gpuLayers} 0), one sequence at a time, with a batch that takes the whole prompt in one step.
 */
public final class BackendBench {

    /**
     * @param promptTokens N of ppN (llama-bench's default 512); 0 skips the test
     * @param genTokens    N of tgN (llama-bench's default 128); 0 skips the test
     * @param runs         timed runs per test (the median and range are reported)
     */
    public record Settings(int promptTokens, int genTokens, int runs) {
        public Settings {
            if (promptTokens < 0 || genTokens < 0 || runs < 1) throw new IllegalArgumentException("pp and tg must be >= 0, runs >= 1");
            if (promptTokens == 0 && genTokens == 0) throw new IllegalArgumentException("pp and tg are both 0: nothing to measure");
        }

        int contextSize() {
            int needed = Math.max(promptTokens + 1, genTokens + 2);
            return (needed + 255) / 256 * 256;
        }
    }

    /** A test's tokens/s over the timed runs, or why it could not run. */
    public record Measurement(String backend, int threads, String test, Optional<Stats> tokensPerSecond, Optional<String> failure) {
    }

    private static final long RUN_TIMEOUT_MINUTES = 30;

    private final Settings settings;
    private final PrintStream log;

    public BackendBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /** Runs ppN and tgN of {@code file} in one backend with {@code threads} threads. */
    public List<Measurement> run(Backend backend, Path file, int threads) {
        return run(List.of(backend), file, threads);
    }

    /**
     * Loads {@code file} in every backend with {@code threads} threads and runs ppN and tgN. The backends
     * take turns run by run (in alternating order), so a change in the machine's load while the bench runs
     * falls on all of them alike instead of on whichever ran last.
     */
    public List<Measurement> run(List<Backend> backends, Path file, int threads) {
        var contestants = new ArrayList<Contestant>();
        try {
            for (Backend backend : backends) contestants.add(load(backend, file, threads));
            if (settings.promptTokens() > 0) measure(contestants, "pp" + settings.promptTokens(), Contestant::pp);
            if (settings.genTokens() > 0) measure(contestants, "tg" + settings.genTokens(), Contestant::tg);
        } finally {
            for (Contestant c : contestants) c.close();
        }
        var measurements = new ArrayList<Measurement>();
        for (Contestant c : contestants) {
            for (String test : tests()) {
                List<Double> samples = c.samples.getOrDefault(test, List.of());
                measurements.add(c.failure != null || samples.size() < settings.runs()
                        ? new Measurement(c.backend.id(), threads, test, Optional.empty(), Optional.of(c.failure == null ? "no result" : c.failure))
                        : new Measurement(c.backend.id(), threads, test, Optional.of(Stats.of(samples)), Optional.empty()));
            }
        }
        return measurements;
    }

    private List<String> tests() {
        var tests = new ArrayList<String>();
        if (settings.promptTokens() > 0) tests.add("pp" + settings.promptTokens());
        if (settings.genTokens() > 0) tests.add("tg" + settings.genTokens());
        return tests;
    }

    private Contestant load(Backend backend, Path file, int threads) {
        var contestant = new Contestant(backend);
        var spec = new ModelSpec("bench", file, settings.contextSize(), threads, 1, 0, Math.max(settings.promptTokens(), 1));
        long start = System.nanoTime();
        try {
            contestant.model = backend.load(spec);
            Tokenizer tokenizer = contestant.model.tokenizer();
            var sampling = greedyWithoutEndOfGeneration(tokenizer);
            contestant.sampling = sampling;
            int first = tokenizer.bos() >= 0 ? tokenizer.bos() : randomTokens(tokenizer, 1, 0)[0];
            contestant.tgRequest = new GenerationRequest(new int[] {first}, sampling, settings.genTokens() + 1);
            log.printf("  %s, %d thread(s): loaded in %.1f s%n", backend.id(), threads, (System.nanoTime() - start) / 1e9);
        } catch (ModelLoadException | RuntimeException e) {
            contestant.fail(e, log);
        }
        return contestant;
    }

    private interface Run {
        double tokensPerSecond(Contestant contestant, Settings settings);
    }

    private void measure(List<Contestant> contestants, String test, Run run) {
        for (Contestant c : contestants) {
            if (c.failure == null) c.attempt(test, run, settings, log, false); // warm-up, not counted
        }
        for (int i = 0; i < settings.runs(); i++) {
            var order = new ArrayList<>(contestants);
            if (i % 2 == 1) java.util.Collections.reverse(order);
            for (Contestant c : order) {
                if (c.failure == null) c.attempt(test, run, settings, log, true);
            }
        }
        for (Contestant c : contestants) {
            List<Double> samples = c.samples.get(test);
            if (c.failure != null || samples == null) continue;
            Stats stats = Stats.of(samples);
            log.printf("    %-10s %-6s %8.2f t/s (min %.2f, max %.2f, %d runs)%n", c.backend.id(), test, stats.median(), stats.min(),
                    stats.max(), stats.count());
        }
    }

    /** One backend's loaded model, its requests and its samples so far. */
    private static final class Contestant implements AutoCloseable {
        final Backend backend;
        LoadedModel model;
        SamplingParams sampling;
        int ppRuns;
        GenerationRequest tgRequest;
        final Map<String, List<Double>> samples = new HashMap<>();
        String failure;

        Contestant(Backend backend) {
            this.backend = backend;
        }

        /**
         * A new prompt every run (run k of each backend gets the same one): the backends keep finished
         * sequences' KV for prefix reuse, so a repeated prompt would be taken from the cache, not computed.
         */
        double pp(Settings settings) {
            int[] prompt = randomTokens(model.tokenizer(), settings.promptTokens(), ++ppRuns);
            Timeline t = Timeline.of(model, new GenerationRequest(prompt, sampling, 1));
            return settings.promptTokens() / t.seconds(t.submitted, t.tokenTimes[0]);
        }

        double tg(Settings settings) {
            Timeline t = Timeline.of(model, tgRequest);
            return settings.genTokens() / t.seconds(t.tokenTimes[0], t.tokenTimes[settings.genTokens()]);
        }

        void attempt(String test, Run run, Settings settings, PrintStream log, boolean counted) {
            try {
                double tokensPerSecond = run.tokensPerSecond(this, settings);
                if (counted) samples.computeIfAbsent(test, k -> new ArrayList<>()).add(tokensPerSecond);
                log.printf("      %s %s %s: %.2f t/s%n", backend.id(), test, counted ? "run " + samples.get(test).size() : "warm-up",
                        tokensPerSecond);
            } catch (RuntimeException e) {
                fail(e, log);
            }
        }

        void fail(Exception e, PrintStream log) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            log.printf("  %s: FAILED: %s%n", backend.id(), failure);
        }

        @Override
        public void close() {
            if (model != null) model.close();
        }
    }

    /** Greedy, with every end-of-generation token banned so that a run always generates its full length. */
    static SamplingParams greedyWithoutEndOfGeneration(Tokenizer tokenizer) {
        Map<Integer, Float> banned = new HashMap<>();
        for (int token = 0; token < tokenizer.vocabSize(); token++) {
            if (tokenizer.isEndOfGeneration(token)) banned.put(token, Float.NEGATIVE_INFINITY);
        }
        var greedy = SamplingParams.GREEDY;
        return new SamplingParams(greedy.temperature(), greedy.topK(), greedy.topP(), greedy.minP(), greedy.seed(),
                greedy.repeatPenalty(), greedy.penaltyLastN(), greedy.presencePenalty(), greedy.frequencyPenalty(), banned);
    }

    /** Random ordinary tokens (as llama-bench draws random ids), the same for every backend given the same seed. */
    static int[] randomTokens(Tokenizer tokenizer, int count, long seed) {
        var random = new SplittableRandom(seed * 1_000_003L + count);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            int token;
            do {
                token = random.nextInt(tokenizer.vocabSize());
            } while (tokenizer.isControl(token) || tokenizer.isEndOfGeneration(token));
            tokens[i] = token;
        }
        return tokens;
    }

    /** When one generation's events arrived (System.nanoTime). */
    private static final class Timeline implements Flow.Subscriber<TokenEvent> {
        final long submitted;
        final long[] tokenTimes;
        private int tokens;
        private TokenEvent.Finished finished;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        private Timeline(int expectedTokens) {
            tokenTimes = new long[expectedTokens];
            submitted = System.nanoTime();
        }

        static Timeline of(LoadedModel model, GenerationRequest request) {
            var timeline = new Timeline(request.maxTokens());
            Generation generation = model.submit(request);
            generation.subscribe(timeline);
            try {
                timeline.done.get(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                generation.cancel();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (ExecutionException e) {
                throw new IllegalStateException("generation failed: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                generation.cancel();
                throw new IllegalStateException("a run took longer than " + RUN_TIMEOUT_MINUTES + " minutes");
            }
            if (timeline.tokens != request.maxTokens()) {
                throw new IllegalStateException("expected " + request.maxTokens() + " tokens, got " + timeline.tokens + " ("
                        + (timeline.finished == null ? "no finish event" : timeline.finished.reason()) + ")");
            }
            return timeline;
        }

        double seconds(long from, long to) {
            return (to - from) / 1e9;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(TokenEvent event) {
            switch (event) {
                case TokenEvent.Token t -> {
                    if (tokens < tokenTimes.length) tokenTimes[tokens] = System.nanoTime();
                    tokens++;
                }
                case TokenEvent.Finished f -> finished = f;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            done.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }
}
