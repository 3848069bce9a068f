package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prompts that start alike share the KV cells of their common start (kept in a finished sequence's slot
 * or copied with {@code llama_memory_seq_cp}), and get the tokens and log-probabilities that decoding the
 * prompt in the same chunks gives.
 */
class PrefixReuseTest {

    private static final int SYSTEM_PROMPT = 150;

    private final LlamaCppBackend backend = new LlamaCppBackend();

    /** A long shared start (the "system prompt") and three different endings, as token ids. */
    private static int[][] prompts(int vocab) {
        var random = new SplittableRandom(7);
        int[] system = new int[SYSTEM_PROMPT];
        system[0] = 1;
        for (int i = 1; i < system.length; i++) system[i] = 3 + random.nextInt(vocab - 3);
        int[][] prompts = new int[3][];
        for (int p = 0; p < prompts.length; p++) {
            int[] prompt = Arrays.copyOf(system, SYSTEM_PROMPT + 4 + p);
            for (int i = SYSTEM_PROMPT; i < prompt.length; i++) prompt[i] = 3 + random.nextInt(vocab - 3);
            prompts[p] = prompt;
        }
        return prompts;
    }

    private LoadedModel load(String file, int parallel, int batchSize) throws Exception {
        return backend.load(new ModelSpec(file, SharedModels.model(file), 512, 1, parallel, -1, batchSize));
    }

    private static GenerationRequest request(LoadedModel model, int[] prompt, int maxTokens) {
        var greedyWithoutEos = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(model.tokenizer().eos(), Float.NEGATIVE_INFINITY));
        return new GenerationRequest(prompt, greedyWithoutEos, maxTokens, 3, new int[0]);
    }

    /** The output of a fresh context, the prompt decoded in chunks of {@code batchSize}. */
    private Collected alone(String file, int[] prompt, int maxTokens, int batchSize) throws Exception {
        try (LoadedModel model = load(file, 1, batchSize)) {
            Collected c = Collected.of(model.submit(request(model, prompt, maxTokens)));
            assertThat(c.finished().cachedTokens()).isZero();
            return c;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "synth-qwen2-q4_0.gguf"})
    void aSharedStartIsDecodedOnceAndChangesNoToken(String file) throws Exception {
        int[][] prompts;
        try (LoadedModel shared = load(file, 2, 512)) {
            prompts = prompts(shared.tokenizer().vocabSize());
            // a trained model's tokens do not hang on where prompt chunks end; a random model's may
            boolean trained = file.startsWith("stories");
            for (int p = 0; p < prompts.length; p++) {
                Collected c = Collected.of(shared.submit(request(shared, prompts[p], 8)));
                int cached = p == 0 ? 0 : SYSTEM_PROMPT;
                assertThat(c.finished().cachedTokens()).as("prompt %d", p).isEqualTo(cached);
                assertSameOutput(c, alone(file, prompts[p], 8, p == 0 ? 512 : cached), "prompt " + p);
                if (trained) assertThat(c.ids()).containsExactly(alone(file, prompts[p], 8, 512).ids());
            }
            // the same prompt again: all but its last token come from the cache
            Collected again = Collected.of(shared.submit(request(shared, prompts[1], 8)));
            assertThat(again.finished().cachedTokens()).isEqualTo(prompts[1].length - 1);
            if (trained) assertThat(again.ids()).containsExactly(alone(file, prompts[1], 8, 512).ids());
            ModelStats stats = shared.stats();
            assertThat(stats.promptTokensReused()).isEqualTo(2L * SYSTEM_PROMPT + prompts[1].length - 1);
            assertThat(stats.activeSequences()).isZero();
            assertThat(stats.kvCacheTokensUsed()).isZero();
            assertThat(stats.kvCacheTokensCapacity()).isEqualTo(2 * 512);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void theSamePromptSubmittedAtOnceIsDecodedOnce(int parallel) throws Exception {
        String file = "synth-qwen2-q4_0.gguf";
        int maxTokens = 6;
        try (LoadedModel model = load(file, parallel, 512)) {
            int[] prompt = prompts(model.tokenizer().vocabSize())[0];
            var choices = new ArrayList<CompletableFuture<Collected>>();
            for (int i = 0; i < 3; i++) choices.add(Collected.start(model.submit(request(model, prompt, maxTokens))));
            Collected whole = alone(file, prompt, maxTokens, 512);
            Collected lastApart = alone(file, prompt, maxTokens, prompt.length - 1);
            int cached = 0;
            for (var choice : choices) {
                Collected c = choice.get(60, TimeUnit.SECONDS);
                // the first decodes the whole prompt; the others copy all of it but the last token, which they decode
                assertSameOutput(c, c.finished().cachedTokens() == 0 ? whole : lastApart, "choice");
                cached += c.finished().cachedTokens();
            }
            assertThat(cached).as("two of the three copy all but the last prompt token").isEqualTo(2 * (prompt.length - 1));
            ModelStats stats = model.stats();
            assertThat(stats.batchRowsTotal()).isEqualTo(prompt.length + 2 + 3L * (maxTokens - 1));
            assertThat(stats.promptTokensReused()).isEqualTo(2L * (prompt.length - 1));
            assertThat(stats.slots()).isEqualTo(parallel);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void aFollowerWhoseLeaderIsCancelledDecodesTheRestItself(int leaderTokens) throws Exception {
        String file = "stories260K.gguf";
        // batches of 16 tokens: the leader needs several steps for the prompt, so the follower waits
        try (LoadedModel model = load(file, 2, 16)) {
            int[] prompt = prompts(model.tokenizer().vocabSize())[0];
            var leader = model.submit(request(model, prompt, 20));
            var seen = new java.util.concurrent.atomic.AtomicInteger();
            Collected.start(leader, () -> {
                if (seen.incrementAndGet() == leaderTokens) leader.cancel();
            });
            CompletableFuture<Collected> follower = Collected.start(model.submit(request(model, prompt, 20)));
            if (leaderTokens == 0) leader.cancel();
            Collected c = follower.get(60, TimeUnit.SECONDS);
            assertThat(c.ids()).containsExactly(alone(file, prompt, 20, 512).ids());
            assertThat(c.finished().cachedTokens()).isBetween(0, prompt.length - 1);
            assertThat(model.stats().activeSequences()).isZero();
        }
    }

    private static void assertSameOutput(Collected actual, Collected expected, String what) {
        assertThat(actual.ids()).as(what).containsExactly(expected.ids());
        List<TokenEvent.Token> a = actual.tokens();
        List<TokenEvent.Token> e = expected.tokens();
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).logprob()).as("%s token %d", what, i).isCloseTo(e.get(i).logprob(), within(1e-4f));
            for (int t = 0; t < e.get(i).top().size(); t++) {
                assertThat(a.get(i).top().get(t).id()).isEqualTo(e.get(i).top().get(t).id());
                assertThat(a.get(i).top().get(t).logprob()).isCloseTo(e.get(i).top().get(t).logprob(), within(1e-4f));
            }
        }
    }
}
