package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prompts that start alike share the keys and values of their common start, and get the same tokens (and
 * log-probabilities within rounding) as when everything is computed.
 */
class PrefixReuseTest {

    private static final int SYSTEM_PROMPT = 150;

    /** A long shared start (the "system prompt") and three different endings, as token ids. */
    private static int[][] prompts(int vocab) {
        var random = new SplittableRandom(7);
        int[] system = new int[SYSTEM_PROMPT];
        system[0] = 1;
        for (int i = 1; i < system.length; i++) system[i] = 3 + random.nextInt(vocab - 3);
        int[][] prompts = new int[3][];
        for (int p = 0; p < prompts.length; p++) {
            int[] prompt = java.util.Arrays.copyOf(system, SYSTEM_PROMPT + 4 + p);
            for (int i = SYSTEM_PROMPT; i < prompt.length; i++) prompt[i] = 3 + random.nextInt(vocab - 3);
            prompts[p] = prompt;
        }
        return prompts;
    }

    private static SamplingParams greedyWithout(int token) {
        return new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(token, Float.NEGATIVE_INFINITY));
    }

    private static LoadedModel load(String file, int parallel, int batchSize) throws Exception {
        return JavaBackendTest.backend().load(new ModelSpec(file, SharedModels.model(file), 512, 2, parallel, -1, batchSize));
    }

    /** The output of a model that has seen nothing before, its prompt computed in chunks of {@code batchSize}. */
    private static Collector alone(String file, int[] prompt, SamplingParams sampling, int maxTokens, int batchSize) throws Exception {
        try (LoadedModel model = load(file, 1, batchSize)) {
            var c = new Collector();
            model.submit(new GenerationRequest(prompt, sampling, maxTokens, 3, new int[0])).subscribe(c);
            c.await();
            assertThat(c.finished().cachedTokens()).isZero();
            return c;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "synth-qwen2-q4_0.gguf"})
    void aSharedStartIsComputedOnceAndChangesNoToken(String file) throws Exception {
        int vocab = JavaBackendTest.backend().describe(ModelSpec.of(file, SharedModels.model(file))).vocabSize();
        int[][] prompts = prompts(vocab);
        // where the chunks of a prompt end decides which kernels compute its rows (as in llama.cpp); a trained
        // model's tokens do not hang on such rounding, a random one's may (llama.cpp's flip the same way)
        boolean trained = file.startsWith("stories");
        try (LoadedModel shared = load(file, 2, 512)) {
            SamplingParams sampling = greedyWithout(shared.tokenizer().eos());
            for (int p = 0; p < prompts.length; p++) {
                var c = new Collector();
                shared.submit(new GenerationRequest(prompts[p], sampling, 8, 3, new int[0])).subscribe(c);
                c.await();
                int cached = p == 0 ? 0 : SYSTEM_PROMPT;
                assertThat(c.finished().cachedTokens()).as("prompt %d", p).isEqualTo(cached);
                // exactly what computing the prompt in the same chunks gives
                assertSameOutput(c, alone(file, prompts[p], sampling, 8, p == 0 ? 512 : cached), 0f, "prompt " + p);
                if (trained) {
                    assertThat(c.tokens()).containsExactlyElementsOf(alone(file, prompts[p], sampling, 8, 512).tokens());
                }
            }
            // the same prompt again: all but its last token come from the cache
            var again = new Collector();
            shared.submit(new GenerationRequest(prompts[1], sampling, 8, 3, new int[0])).subscribe(again);
            again.await();
            assertThat(again.finished().cachedTokens()).isEqualTo(prompts[1].length - 1);
            if (trained) assertThat(again.tokens()).containsExactlyElementsOf(alone(file, prompts[1], sampling, 8, 512).tokens());
            ModelStats stats = shared.stats();
            assertThat(stats.promptTokensReused()).isEqualTo(2L * SYSTEM_PROMPT + prompts[1].length - 1);
            assertThat(stats.activeSequences()).isZero();
            assertThat(stats.kvCacheTokensUsed()).isZero();
            assertThat(stats.kvCacheTokensCapacity()).isEqualTo(2 * 512);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void theSamePromptSubmittedAtOnceIsPrefilledOnce(int parallel) throws Exception {
        String file = "synth-qwen2-q4_0.gguf";
        int maxTokens = 6;
        try (LoadedModel model = load(file, parallel, 512)) {
            int[] prompt = prompts(model.info().vocabSize())[0];
            SamplingParams sampling = greedyWithout(model.tokenizer().eos());
            var choices = List.of(new Collector(), new Collector(), new Collector());
            for (Collector c : choices) model.submit(new GenerationRequest(prompt, sampling, maxTokens, 3, new int[0])).subscribe(c);
            Collector whole = alone(file, prompt, sampling, maxTokens, 512);
            Collector lastApart = alone(file, prompt, sampling, maxTokens, prompt.length - 1);
            int cached = 0;
            for (Collector c : choices) {
                c.await();
                // the first computes the whole prompt; the others copy all of it but the last token, which they compute
                assertSameOutput(c, c.finished().cachedTokens() == 0 ? whole : lastApart, 0f, "choice");
                cached += c.finished().cachedTokens();
            }
            assertThat(cached).as("two of the three copy all but the last prompt token").isEqualTo(2 * (prompt.length - 1));
            ModelStats stats = model.stats();
            // the prompt once, the last prompt token of the two others, then one row per further token of each
            assertThat(stats.batchRowsTotal()).isEqualTo(prompt.length + 2 + 3L * (maxTokens - 1));
            assertThat(stats.promptTokensReused()).isEqualTo(2L * (prompt.length - 1));
            assertThat(stats.slots()).isEqualTo(parallel);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void aFollowerWhoseLeaderIsCancelledComputesTheRestItself(int leaderTokens) throws Exception {
        String file = "stories260K.gguf";
        // chunks of 16 rows: the leader needs several steps for the prompt, so the follower waits
        try (LoadedModel model = load(file, 2, 16)) {
            int[] prompt = prompts(model.info().vocabSize())[0];
            SamplingParams sampling = greedyWithout(model.tokenizer().eos());
            var leader = new Collector(leaderTokens == 0 ? Integer.MAX_VALUE : leaderTokens);
            var leaderGeneration = model.submit(new GenerationRequest(prompt, sampling, 20, 3, new int[0]));
            leaderGeneration.subscribe(leader);
            var follower = new Collector();
            model.submit(new GenerationRequest(prompt, sampling, 20, 3, new int[0])).subscribe(follower);
            if (leaderTokens == 0) leaderGeneration.cancel();
            follower.await();
            assertThat(follower.tokens()).containsExactlyElementsOf(alone(file, prompt, sampling, 20, 512).tokens());
            assertThat(follower.finished().cachedTokens()).isBetween(0, prompt.length - 1);
            assertThat(model.stats().activeSequences()).isZero();
        }
    }

    private static void assertSameOutput(Collector actual, Collector expected, float tolerance, String what) {
        assertThat(actual.tokens()).containsExactlyElementsOf(expected.tokens());
        List<TokenEvent> a = actual.events;
        List<TokenEvent> e = expected.events;
        for (int i = 0; i < a.size() - 1; i++) {
            var got = (TokenEvent.Token) a.get(i);
            var want = (TokenEvent.Token) e.get(i);
            assertThat(got.logprob()).as("%s token %d", what, i).isCloseTo(want.logprob(), within(tolerance));
            for (int t = 0; t < want.top().size(); t++) {
                assertThat(got.top().get(t).id()).isEqualTo(want.top().get(t).id());
                assertThat(got.top().get(t).logprob()).isCloseTo(want.top().get(t).logprob(), within(tolerance));
            }
        }
    }
}
