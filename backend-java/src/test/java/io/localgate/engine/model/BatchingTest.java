package io.localgate.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several sequences in one batch (their prompt rows interleaved, then one decode row each per step)
 * give exactly the logits and tokens each gives alone: batching changes nothing but speed.
 */
class BatchingTest {

    static final int[][] PROMPTS = {
            {1, 403, 407, 261, 378},
            {1, 410, 278, 411, 380, 299, 262, 427, 412, 331},
            {1, 346, 306, 414, 263, 304, 341}};
    static final int STEPS = 12;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "stories260K-f16.gguf", "stories260K-bf16.gguf", "stories260K-q4_0.gguf", "synth-qwen2-q4_0.gguf"})
    void interleavedSequencesMatchEachAlone(String model) {
        var alone = new ArrayList<List<float[]>>();
        try (var m = new LoadedTransformer(model, 1, 1, 128, 64, 1)) {
            for (int[] prompt : PROMPTS) {
                m.cache.clear(0);
                alone.add(generate(m, new int[][] {prompt}).getFirst());
            }
        }
        List<List<float[]>> together;
        try (var m = new LoadedTransformer(model, 2, PROMPTS.length, 128, 64, PROMPTS.length)) {
            together = generate(m, PROMPTS);
        }
        for (int s = 0; s < PROMPTS.length; s++) {
            for (int step = 0; step < STEPS; step++) {
                assertThat(together.get(s).get(step)).as("sequence %d step %d", s, step).isEqualTo(alone.get(s).get(step));
            }
        }
    }

    /** Prefills all prompts in one batch (rows interleaved), then decodes greedily; returns each sequence's logits per step. */
    static List<List<float[]>> generate(LoadedTransformer m, int[][] prompts) {
        int vocab = m.config().vocabSize();
        var batch = new Batch(64);
        int[] outputOf = new int[prompts.length];
        int longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        for (int i = 0; i < longest; i++) {
            for (int s = 0; s < prompts.length; s++) {
                if (i < prompts[s].length) {
                    int output = batch.add(prompts[s][i], i, s, i == prompts[s].length - 1);
                    if (output >= 0) outputOf[s] = output;
                }
            }
        }
        var result = new ArrayList<List<float[]>>();
        for (int s = 0; s < prompts.length; s++) result.add(new ArrayList<>());
        int[] positions = new int[prompts.length];
        for (int s = 0; s < prompts.length; s++) positions[s] = prompts[s].length;
        for (int step = 0; step < STEPS; step++) {
            Logits logits = m.transformer.forward(batch, m.cache);
            int[] next = new int[prompts.length];
            for (int s = 0; s < prompts.length; s++) {
                float[] row = new float[vocab];
                logits.copyRow(outputOf[s], row);
                result.get(s).add(row);
                next[s] = LoadedTransformer.argmax(logits, outputOf[s]);
            }
            batch.clear();
            for (int s = 0; s < prompts.length; s++) outputOf[s] = batch.add(next[s], positions[s]++, s, true);
        }
        return result;
    }
}
