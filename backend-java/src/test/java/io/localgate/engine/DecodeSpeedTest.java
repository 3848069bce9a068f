package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prints decode speed on the largest supported shared models, for the notes (not a target yet; a test
 * never asserts a time). Run alone: {@code -Dtest=DecodeSpeedTest}.
 */
class DecodeSpeedTest {

    static final int TOKENS = 256;

    @ParameterizedTest
    @ValueSource(strings = {"synth-llama3-q8_0.gguf", "synth-qwen2-q4_0.gguf"})
    void printDecodeSpeed(String file) throws Exception {
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        try (LoadedModel model = JavaBackendTest.backend().load(new ModelSpec("m", SharedModels.model(file), 512, threads, 1, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            var sampling = SamplingParams.GREEDY;
            timedRun(model, prompt, sampling, 64); // warm-up
            long[] nanos = timedRun(model, prompt, sampling, TOKENS);
            long generated = nanos[2];
            double seconds = (nanos[1] - nanos[0]) / 1e9;
            System.out.printf("%s: %d threads, decode %.1f tokens/s (%d tokens after the first in %.3f s); time to first token %.1f ms%n",
                    file, threads, (generated - 1) / seconds, generated - 1, seconds, nanos[3] / 1e6);
            assertThat(generated).isGreaterThan(1);
        }
    }

    /** Returns {first token time, last token time, tokens, time to first token}. */
    static long[] timedRun(LoadedModel model, int[] prompt, SamplingParams sampling, int tokens) throws Exception {
        long[] times = new long[4];
        var done = new CompletableFuture<Void>();
        long start = System.nanoTime();
        model.submit(new GenerationRequest(prompt, sampling, tokens)).subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
            @Override public void onNext(TokenEvent e) {
                if (e instanceof TokenEvent.Token) {
                    long now = System.nanoTime();
                    if (times[2]++ == 0) { times[0] = now; times[3] = now - start; }
                    times[1] = now;
                }
            }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
            @Override public void onComplete() { done.complete(null); }
        });
        done.get(5, TimeUnit.MINUTES);
        return times;
    }
}
