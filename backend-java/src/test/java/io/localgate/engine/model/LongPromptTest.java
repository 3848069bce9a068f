package io.localgate.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prompts of 64 rows or more take the tiled attention kernel, which serves blocks of rows and the query
 * heads of a KV head together: how the rows are grouped changes nothing, and the result agrees with the
 * one-row kernel that shorter chunks take (up to that kernel's F16 rounding, as in llama.cpp: the same greedy token, near-identical logits).
 */
class LongPromptTest {

    static final int LONG = 150;
    static final int OTHER = 100;

    @ParameterizedTest
    @ValueSource(strings = {"synth-llama3-q8_0.gguf", "synth-qwen2-q4_0.gguf"})
    void groupingOfTiledRowsChangesNothing(String model) {
        try (var m = new LoadedTransformer(model, 2, 2, 256, 256, 2)) {
            int[] prompt = randomTokens(LONG, m.config().vocabSize(), 1);
            int[] other = randomTokens(OTHER, m.config().vocabSize(), 2);
            float[] alone = prefill(m, new int[][] {prompt}, LONG)[0];
            float[] otherAlone = prefill(m, new int[][] {other}, OTHER)[0];
            float[][] together = prefill(m, new int[][] {prompt, other}, LONG + OTHER);
            assertThat(together[0]).isEqualTo(alone);
            assertThat(together[1]).isEqualTo(otherAlone);

            float[] chunked = prefill(m, new int[][] {prompt}, 50)[0];
            assertThat(argmax(chunked)).isEqualTo(argmax(alone));
            assertThat(cosine(chunked, alone)).as("cosine similarity of the logits").isGreaterThan(0.999);
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    /**
     * Prefills each prompt into its own slot, rows of the prompts interleaved, at most {@code step} rows
     * per forward step; returns the logits after each prompt's last row.
     */
    static float[][] prefill(LoadedTransformer m, int[][] prompts, int step) {
        int vocab = m.config().vocabSize();
        float[][] result = new float[prompts.length][vocab];
        for (int s = 0; s < prompts.length; s++) m.cache.clear(s);
        var batch = new Batch(step);
        int longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        int[] outputOf = new int[prompts.length];
        Arrays.fill(outputOf, -1);
        for (int i = 0; i < longest; i++) {
            for (int s = 0; s < prompts.length; s++) {
                if (i >= prompts[s].length) continue;
                int output = batch.add(prompts[s][i], i, s, i == prompts[s].length - 1);
                if (output >= 0) outputOf[s] = output;
                if (batch.size() == step) forward(m, batch, outputOf, result);
            }
        }
        if (batch.size() > 0) forward(m, batch, outputOf, result);
        return result;
    }

    private static void forward(LoadedTransformer m, Batch batch, int[] outputOf, float[][] result) {
        Logits logits = m.transformer.forward(batch, m.cache);
        for (int s = 0; s < outputOf.length; s++) {
            if (outputOf[s] >= 0) logits.copyRow(outputOf[s], result[s]);
            outputOf[s] = -1;
        }
        batch.clear();
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        var random = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) tokens[i] = 1 + random.nextInt(Math.min(vocab, 30000) - 1);
        return tokens;
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int t = 1; t < values.length; t++) if (values[t] > values[best]) best = t;
        return best;
    }
}
