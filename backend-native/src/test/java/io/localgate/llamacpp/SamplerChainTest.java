package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.SamplingParams;
import io.localgate.engine.sampling.Sampler;
import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * llama.cpp's sampler chain as we build it from {@link SamplingParams}, on synthetic logits. Where the
 * outcome is determined (greedy after bias and penalties) it must equal the {@code java} backend's
 * sampler; seeded draws must be reproducible and stay inside what top-k / top-p / min-p keep.
 */
class SamplerChainTest {

    private static final int VOCAB = 1000;
    private final Llama api = LlamaLibrary.shared().api();
    private final Random random = new Random(7);

    @Test
    void greedyWithBiasAndPenaltiesChoosesAsTheJavaSamplerDoes() {
        for (int trial = 0; trial < 20; trial++) {
            int[] history = IntStream.range(0, 80).map(i -> random.nextInt(40)).toArray(); // repeats, so the penalties bite
            float[] first = logits();
            int best = argmax(first);
            var params = new SamplingParams(0f, 0, 1f, 0f, 0L, 1.3f, 64, 0.5f, 0.2f,
                    Map.of(best, Float.NEGATIVE_INFINITY, random.nextInt(VOCAB), 2f, VOCAB + 5, 100f));
            var java = new Sampler(params, VOCAB, history);
            try (var chain = new SamplerChain(api, params, VOCAB, 512, history)) {
                for (int step = 0; step < 30; step++) {
                    float[] logits = step == 0 ? first : logits();
                    // boost the recent tokens so that penalised ones are often in the running
                    for (int t = 0; t < 40; t++) logits[t] += 2.5f;
                    int expected = java.sample(logits, 0).token();
                    assertThat(chain.sample(logits)).as("trial %d step %d", trial, step).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aSeedGivesTheSameDrawsEveryTime() {
        var params = new SamplingParams(1.0f, 0, 1f, 0f, 1234L, 1f, 64, 0f, 0f, Map.of());
        List<float[]> steps = IntStream.range(0, 50).mapToObj(i -> logits()).toList();
        List<Integer> first = draws(params, steps);
        assertThat(draws(params, steps)).isEqualTo(first);
        assertThat(draws(params.withSeed(99L), steps)).isNotEqualTo(first);
        assertThat(new HashSet<>(first)).hasSizeGreaterThan(1); // it really draws
    }

    @Test
    void drawsStayInsideWhatTheFiltersKeep() {
        List<float[]> steps = IntStream.range(0, 60).mapToObj(i -> logits()).toList();
        var topK = new SamplingParams(2.0f, 3, 1f, 0f, 5L, 1f, 64, 0f, 0f, Map.of());
        List<Integer> drawn = draws(topK, steps);
        for (int i = 0; i < steps.size(); i++) assertThat(topN(steps.get(i), 3)).contains(drawn.get(i));

        for (var onlyTheBest : List.of(new SamplingParams(5.0f, 1, 1f, 0f, 5L, 1f, 64, 0f, 0f, Map.of()),
                new SamplingParams(5.0f, 0, 1e-6f, 0f, 5L, 1f, 64, 0f, 0f, Map.of()),
                new SamplingParams(5.0f, 0, 1f, 1f, 5L, 1f, 64, 0f, 0f, Map.of()))) {
            List<Integer> best = draws(onlyTheBest, steps);
            for (int i = 0; i < steps.size(); i++) assertThat(best.get(i)).isEqualTo(argmax(steps.get(i)));
        }
    }

    @Test
    void llamaCppsReservedSeedIsAvoided() {
        assertThat(SamplerChain.seed(0xFFFFFFFFL)).isNotEqualTo(Llama.DEFAULT_SEED);
        assertThat(SamplerChain.seed(42L)).isEqualTo(42);
    }

    private List<Integer> draws(SamplingParams params, List<float[]> steps) {
        var drawn = new ArrayList<Integer>();
        try (var chain = new SamplerChain(api, params, VOCAB, 512, new int[0])) {
            for (float[] logits : steps) drawn.add(chain.sample(logits));
        }
        return drawn;
    }

    private float[] logits() {
        float[] logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) logits[i] = (float) (random.nextGaussian() * 3);
        return logits;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    private static List<Integer> topN(float[] logits, int n) {
        return IntStream.range(0, logits.length).boxed().sorted((a, b) -> Float.compare(logits[b], logits[a])).limit(n).toList();
    }
}
