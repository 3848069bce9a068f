package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Unloading frees all native memory: loading, using and closing a model 30 times leaves the process's
 * resident memory where it was after the first few rounds (which warm up the JIT, the allocator's
 * arenas and llama.cpp's one-time tables).
 *
 * <p>The model is the largest-vocabulary one here (Qwen2's 151,936 tokens, 16 MB): each round maps the
 * file, allocates a context for 2 sequences of 1024 tokens with its compute buffers (about 3 MB of
 * logits rows alone), runs two sampler chains and a tokenizer, so a leak of any of them would grow the
 * process by megabytes a round. The bound is 32 MiB over the 25 rounds after warm-up: a leak of 1.3 MiB
 * a round fails it, while the noise of a JVM (code cache, GC bookkeeping) stays well inside it. The
 * module's test JVM has a fixed, pre-touched heap and {@code MALLOC_ARENA_MAX=2} (see the pom), so that
 * the reading moves with native memory only.
 */
class UnloadTest {

    private static final int ROUNDS = 30;
    private static final int WARM_UP = 5;
    private static final long BOUND_KIB = 32 * 1024;

    @Test
    void loadingAndClosingThirtyTimesKeepsResidentMemoryFlat() throws Throwable {
        var backend = new LlamaCppBackend();
        Path file = SharedModels.model("synth-qwen2-q4_0.gguf");
        var sampling = new SamplingParams(0.8f, 40, 0.9f, 0.05f, 3L, 1.1f, 64, 0.1f, 0.1f, Map.of(5, 1f));
        List<Long> rss = new ArrayList<>();
        long loadedFootprint = 0;
        for (int round = 0; round < ROUNDS; round++) {
            try (LoadedModel model = backend.load(new ModelSpec("qwen", file, 1024, 1, 2, -1))) {
                int[] prompt = model.tokenizer().encode("Hello world, once upon a time", true, true);
                var a = Collected.start(model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 8, 3, new int[0])));
                var b = Collected.start(model.submit(new GenerationRequest(prompt, sampling, 8)));
                a.join();
                b.join();
                loadedFootprint = residentKib();
            }
            System.gc();
            releaseFreeMallocMemory();
            rss.add(residentKib());
        }
        long warm = rss.get(WARM_UP - 1);
        long last = rss.getLast();
        System.out.printf("VmRSS after round %d: %d KiB, after round %d: %d KiB (growth %d KiB, bound %d KiB; a loaded model adds"
                + " %d KiB; every round: %s)%n", WARM_UP, warm, ROUNDS, last, last - warm, BOUND_KIB, loadedFootprint - last, rss);
        assertThat(last - warm).as("resident memory growth over %d rounds, KiB", ROUNDS - WARM_UP).isLessThan(BOUND_KIB);
    }

    /** glibc keeps freed memory for reuse and hands it back to the system only on request. */
    private static void releaseFreeMallocMemory() throws Throwable {
        var trim = Linker.nativeLinker().defaultLookup().find("malloc_trim");
        if (trim.isEmpty()) return; // not glibc
        int ignored = (int) Linker.nativeLinker().downcallHandle(trim.get(), FunctionDescriptor.of(JAVA_INT, JAVA_LONG)).invokeExact(0L);
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
