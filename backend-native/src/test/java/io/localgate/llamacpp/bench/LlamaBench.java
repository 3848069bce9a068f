package io.localgate.llamacpp.bench;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import io.localgate.llamacpp.LlamaCppBackend;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Times prompt processing and generation of one model through the llama-cpp backend (the SPI, as the
 * gateway uses it), the way llama-bench reports them: a prompt of random tokens decoded in one batch
 * (pp, tokens/s until the first generated token), then greedy generation with end-of-generation
 * tokens banned (tg, tokens/s after the first). Prints the library and devices it ran on.
 *
 * <p>Usage: {@code LlamaBench MODEL.gguf LABEL GPU_LAYERS THREADS [PROMPT_TOKENS GENERATED_TOKENS REPEATS]}
 */
public final class LlamaBench {

    private LlamaBench() {
    }

    private record Timing(double promptPerSecond, double generatedPerSecond) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 && args.length != 7) {
            System.err.println("usage: LlamaBench MODEL.gguf LABEL GPU_LAYERS THREADS [PROMPT_TOKENS GENERATED_TOKENS REPEATS]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        String label = args[1];
        int gpuLayers = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int promptTokens = args.length > 4 ? Integer.parseInt(args[4]) : 512;
        int generated = args.length > 4 ? Integer.parseInt(args[5]) : 128;
        int repeats = args.length > 4 ? Integer.parseInt(args[6]) : 3;

        System.out.println(label + ": " + LlamaLibrary.shared().description());
        try (LoadedModel model = new LlamaCppBackend().load(new ModelSpec("bench", file, promptTokens + generated + 8, threads, 1, gpuLayers))) {
            Tokenizer tokenizer = model.tokenizer();
            Map<Integer, Float> noEnd = new HashMap<>();
            var ordinary = new ArrayList<Integer>();
            for (int t = 0; t < tokenizer.vocabSize(); t++) {
                if (tokenizer.isEndOfGeneration(t)) noEnd.put(t, Float.NEGATIVE_INFINITY);
                else if (!tokenizer.isControl(t)) ordinary.add(t);
            }
            var greedy = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, noEnd);
            var random = new SplittableRandom(1);
            time(model, prompt(tokenizer, ordinary, random, 16), greedy, 8); // warm-up: first-call set-up and kernels
            var timings = new ArrayList<Timing>();
            for (int i = 0; i < repeats; i++) {
                Timing t = time(model, prompt(tokenizer, ordinary, random, promptTokens), greedy, generated);
                timings.add(t);
                System.out.printf("%s run %d: pp%d %.1f tokens/s, tg%d %.1f tokens/s%n", label, i + 1, promptTokens, t.promptPerSecond(),
                        generated, t.generatedPerSecond());
            }
            System.out.printf("RESULT %s (%s, GPU layers %s, %d threads): pp%d %.1f tokens/s, tg%d %.1f tokens/s (median of %d)%n",
                    label, file.getFileName(), gpuLayers < 0 ? "all" : gpuLayers, threads, promptTokens,
                    median(timings.stream().map(Timing::promptPerSecond).toList()), generated,
                    median(timings.stream().map(Timing::generatedPerSecond).toList()), repeats);
        }
    }

    private static int[] prompt(Tokenizer tokenizer, List<Integer> ordinary, SplittableRandom random, int length) {
        int[] prompt = new int[length];
        prompt[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : ordinary.getFirst();
        for (int i = 1; i < length; i++) prompt[i] = ordinary.get(random.nextInt(ordinary.size()));
        return prompt;
    }

    private static Timing time(LoadedModel model, int[] prompt, SamplingParams sampling, int generated) throws Exception {
        var done = new CompletableFuture<long[]>();
        long start = System.nanoTime();
        model.submit(new GenerationRequest(prompt, sampling, generated)).subscribe(new Flow.Subscriber<>() {
            private long first;
            private int tokens;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(TokenEvent event) {
                if (event instanceof TokenEvent.Token && tokens++ == 0) first = System.nanoTime();
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                done.complete(new long[] {first, System.nanoTime(), tokens});
            }
        });
        long[] r = done.get();
        if (r[2] != generated) throw new IllegalStateException("generated " + r[2] + " tokens, not " + generated);
        return new Timing(prompt.length / ((r[0] - start) / 1e9), (generated - 1) / ((r[1] - r[0]) / 1e9));
    }

    private static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }
}
