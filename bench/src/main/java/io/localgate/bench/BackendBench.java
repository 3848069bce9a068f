package io.localgate.bench;

import io.localgate.backend.Backend;
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
 * Prompt processing (ppN) and generation (tgN) speed of one model file in one backend, measured the way
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
 * test is made and not counted. The model is loaded for the CPU ({@code gpuLayers} 0), one sequence at a
 * time, with a batch that takes the whole prompt in one step.
 */
public final class BackendBench {

    /**
     * @param promptTokens N of ppN (llama-bench's default 512)
     * @param genTokens    N of tgN (llama-bench's default 128)
     * @param runs         timed runs per test (the median and range are reported)
     */
    public record Settings(int promptTokens, int genTokens, int runs) {
        public Settings {
            if (promptTokens < 1 || genTokens < 1 || runs < 1) throw new IllegalArgumentException("pp, tg and runs must be >= 1");
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

    /** Loads {@code file} in {@code backend} with {@code threads} threads and runs ppN and tgN. */
    public List<Measurement> run(Backend backend, Path file, int threads) {
        String pp = "pp" + settings.promptTokens();
        String tg = "tg" + settings.genTokens();
        var spec = new ModelSpec("bench", file, settings.contextSize(), threads, 1, 0, settings.promptTokens());
        long loadStart = System.nanoTime();
        try (LoadedModel model = backend.load(spec)) {
            log.printf("  %s, %d thread(s): loaded in %.1f s%n", backend.id(), threads, (System.nanoTime() - loadStart) / 1e9);
            var sampling = greedyWithoutEndOfGeneration(model.tokenizer());
            int[] prompt = randomTokens(model.tokenizer(), settings.promptTokens());
            int first = model.tokenizer().bos() >= 0 ? model.tokenizer().bos() : prompt[0];
            var ppRequest = new GenerationRequest(prompt, sampling, 1);
            var tgRequest = new GenerationRequest(new int[] {first}, sampling, settings.genTokens() + 1);

            Stats ppStats = repeat(pp, () -> {
                Timeline t = Timeline.of(model, ppRequest);
                return settings.promptTokens() / t.seconds(t.submitted, t.tokenTimes[0]);
            });
            Stats tgStats = repeat(tg, () -> {
                Timeline t = Timeline.of(model, tgRequest);
                return settings.genTokens() / t.seconds(t.tokenTimes[0], t.tokenTimes[settings.genTokens()]);
            });
            return List.of(new Measurement(backend.id(), threads, pp, Optional.of(ppStats), Optional.empty()),
                    new Measurement(backend.id(), threads, tg, Optional.of(tgStats), Optional.empty()));
        } catch (ModelLoadException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            log.printf("  %s, %d thread(s): FAILED: %s%n", backend.id(), threads, why);
            return List.of(new Measurement(backend.id(), threads, pp, Optional.empty(), Optional.of(why)),
                    new Measurement(backend.id(), threads, tg, Optional.empty(), Optional.of(why)));
        }
    }

    private interface Run {
        double tokensPerSecond();
    }

    private Stats repeat(String test, Run run) {
        run.tokensPerSecond(); // warm-up, not counted
        var samples = new ArrayList<Double>();
        for (int i = 0; i < settings.runs(); i++) samples.add(run.tokensPerSecond());
        Stats stats = Stats.of(samples);
        log.printf("    %-6s %8.2f t/s (min %.2f, max %.2f, %d runs)%n", test, stats.median(), stats.min(), stats.max(), stats.count());
        return stats;
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

    /** Random ordinary tokens (as llama-bench draws random ids), the same for every backend. */
    static int[] randomTokens(Tokenizer tokenizer, int count) {
        var random = new SplittableRandom(count);
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
            model.submit(request).subscribe(timeline);
            try {
                timeline.done.get(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (ExecutionException e) {
                throw new IllegalStateException("generation failed: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
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
