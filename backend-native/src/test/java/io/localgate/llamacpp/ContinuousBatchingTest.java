package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.FinishReason;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Several requests as sequences of one context: whoever shares a batch, joins late or leaves early,
 * each gets the tokens it gets alone (llama.cpp's own greedy references).
 */
class ContinuousBatchingTest {

    private final LlamaCppBackend backend = new LlamaCppBackend();

    private record Case(int[] prompt, int[] greedy) {
    }

    private static List<Case> cases(String model) throws Exception {
        JsonNode reference = JsonMapper.builder().build().readTree(SharedModels.reference(model + ".json").toFile());
        var cases = new ArrayList<Case>();
        for (JsonNode c : reference.get("cases")) {
            if (c.has("llama_cpp_error") || c.get("tokens_with_special").isEmpty()) continue;
            cases.add(new Case(ints(c.get("tokens_with_special")), ints(c.get("greedy_tokens"))));
        }
        return cases;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "stories260K-q4_0", "synth-llama3-q8_0"})
    void requestsJoiningAndLeavingGetTheirOwnGreedyTokens(String name) throws Exception {
        List<Case> cases = cases(name);
        try (LoadedModel model = backend.load(new ModelSpec(name, SharedModels.model(name + ".gguf"), 512, 1, 2, -1))) {
            // a long-running sequence that the others join and leave around
            var ban = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(model.tokenizer().eos(), Float.NEGATIVE_INFINITY));
            int[] longPrompt = cases.getFirst().prompt();
            int[] alone = Collected.of(model.submit(new GenerationRequest(longPrompt, ban, 120))).ids();

            var started = new CountDownLatch(3);
            CompletableFuture<Collected> background = Collected.start(model.submit(new GenerationRequest(longPrompt, ban, 120)), started::countDown);
            assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();

            // more requests than slots: they queue, then take the slots that free up
            var running = new ArrayList<CompletableFuture<Collected>>();
            for (Case c : cases) running.add(Collected.start(model.submit(new GenerationRequest(c.prompt(), SamplingParams.GREEDY, 32))));
            for (int i = 0; i < cases.size(); i++) {
                assertThat(running.get(i).get(60, TimeUnit.SECONDS).ids()).as("%s case %d", name, i).containsExactly(cases.get(i).greedy());
            }
            assertThat(background.get(60, TimeUnit.SECONDS).ids()).containsExactly(alone);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void aCancelledSequenceLeavesNothingBehind(int parallel) throws Exception {
        List<Case> cases = cases("stories260K");
        try (LoadedModel model = backend.load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 512, 1, parallel, -1))) {
            var ban = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(model.tokenizer().eos(), Float.NEGATIVE_INFINITY));
            for (int round = 0; round < 3; round++) {
                var seen = new AtomicInteger();
                var someTokens = new CountDownLatch(5);
                Generation doomed = model.submit(new GenerationRequest(cases.getFirst().prompt(), ban, 400));
                CompletableFuture<Collected> cut = Collected.start(doomed, () -> {
                    seen.incrementAndGet();
                    someTokens.countDown();
                });
                assertThat(someTokens.await(60, TimeUnit.SECONDS)).isTrue();
                doomed.cancel();
                // the slot and its KV cells are free again: the next request computes from a clean sequence
                for (Case c : cases) {
                    Collected out = Collected.of(model.submit(new GenerationRequest(c.prompt(), SamplingParams.GREEDY, 32)));
                    assertThat(out.ids()).containsExactly(c.greedy());
                    assertThat(out.finished().reason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
                }
                assertThat(cut).isNotDone(); // a cancelled generation publishes nothing more, not even a finish
                assertThat(seen.get()).isLessThan(400);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aCancelledSequenceLeavesBeforeTheNextStepAndAWaitingOneTakesItsSlot() throws Exception {
        List<Case> cases = cases("stories260K");
        try (LoadedModel model = backend.load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 2048, 1, 1, -1))) {
            var ban = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(model.tokenizer().eos(), Float.NEGATIVE_INFINITY));
            var threeTokens = new CountDownLatch(3);
            var seen = new AtomicInteger();
            Generation doomed = model.submit(new GenerationRequest(cases.getFirst().prompt(), ban, 1500));
            CompletableFuture<Collected> cut = Collected.start(doomed, () -> {
                seen.incrementAndGet();
                threeTokens.countDown();
            });
            assertThat(threeTokens.await(60, TimeUnit.SECONDS)).isTrue();
            Case other = cases.get(1);
            CompletableFuture<Collected> waiting = Collected.start(model.submit(new GenerationRequest(other.prompt(), SamplingParams.GREEDY, 32)));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (model.stats().queuedSequences() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(model.stats().queuedSequences()).isEqualTo(1);
            assertThat(model.stats().activeSequences()).isEqualTo(1);
            doomed.cancel();
            assertThat(waiting.get(60, TimeUnit.SECONDS).ids()).containsExactly(other.greedy());
            assertThat(seen.get()).isLessThan(1500);
            assertThat(cut).isNotDone();
            var stats = model.stats();
            assertThat(stats.activeSequences()).isZero();
            assertThat(stats.queuedSequences()).isZero();
            assertThat(stats.kvCacheTokensUsed()).isZero();
        }
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }
}
