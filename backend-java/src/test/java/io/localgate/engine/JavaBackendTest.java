package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Backend;
import io.localgate.backend.Capability;
import io.localgate.backend.FinishReason;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The engine through the backend SPI, as the gateway uses it. */
class JavaBackendTest {

    static Backend backend() {
        return ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .filter(b -> b.id().equals("java")).findFirst().orElseThrow();
    }

    static ModelSpec spec(String file, int parallel) {
        return new ModelSpec(file.replace(".gguf", ""), SharedModels.model(file), 0, 2, parallel, -1);
    }

    static List<JsonNode> referenceCases(String file) throws Exception {
        JsonNode reference = new ObjectMapper().readTree(Files.readString(SharedModels.reference(file.replace(".gguf", ".json"))));
        var cases = new ArrayList<JsonNode>();
        for (JsonNode c : reference.get("cases")) if (c.has("greedy_tokens")) cases.add(c);
        return cases;
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }

    static List<Integer> list(JsonNode array) {
        var values = new ArrayList<Integer>();
        for (JsonNode v : array) values.add(v.asInt());
        return values;
    }

    @Test
    void describesAModelWithoutLoadingIt() throws Exception {
        var info = backend().describe(spec("synth-qwen2-q4_0.gguf", 0));
        assertThat(info.architecture()).isEqualTo("qwen2");
        assertThat(info.name()).contains("synthetic-qwen2");
        assertThat(info.trainContextLength()).isEqualTo(4096);
        assertThat(info.vocabSize()).isEqualTo(151936);
        assertThat(info.embeddingLength()).isEqualTo(64);
        assertThat(info.fileType()).isEqualTo("Q4_0");
        assertThat(info.chatTemplate()).get().asString().contains("<|im_start|>");
        assertThat(info.eosToken()).contains("<|endoftext|>");
        assertThat(info.capabilities()).containsExactlyInAnyOrder(Capability.COMPLETION, Capability.CHAT, Capability.EMBEDDINGS);
        assertThat(info.pooling()).contains(io.localgate.backend.Pooling.MEAN);
        assertThat(info.supported()).isTrue();
        assertThat(info.parameterCount()).isGreaterThan(151936L * 64);
    }

    @Test
    void generatesTheReferenceGreedyTokens() throws Exception {
        JsonNode onceUponATime = referenceCases("stories260K.gguf").getFirst();
        try (LoadedModel model = backend().load(spec("stories260K.gguf", 0))) {
            assertThat(model.contextSize()).isEqualTo(2048);
            assertThat(model.tokenizer().encode("Once upon a time", true, true)).containsExactly(ints(onceUponATime.get("tokens_with_special")));
            var collector = new Collector();
            model.submit(new GenerationRequest(ints(onceUponATime.get("tokens_with_special")), SamplingParams.GREEDY, 32)).subscribe(collector);
            collector.await();
            assertThat(collector.tokens()).containsExactlyElementsOf(list(onceUponATime.get("greedy_tokens")));
            assertThat(collector.finished()).isEqualTo(new TokenEvent.Finished(FinishReason.LENGTH, 5, 0, 32));
            assertThat(collector.events.stream().filter(e -> e instanceof TokenEvent.Finished)).hasSize(1);
        }
    }

    @Test
    void withoutLogprobsTheTokensAreTheSameAndCarryNone() throws Exception {
        JsonNode onceUponATime = referenceCases("stories260K.gguf").getFirst();
        try (LoadedModel model = backend().load(spec("stories260K.gguf", 0))) {
            var request = new GenerationRequest(ints(onceUponATime.get("tokens_with_special")), SamplingParams.GREEDY, 16);
            var with = new Collector();
            model.submit(request).subscribe(with);
            with.await();
            var without = new Collector();
            model.submit(request.withLogprobs(false)).subscribe(without);
            without.await();

            assertThat(without.tokens()).isEqualTo(with.tokens()).containsExactlyElementsOf(list(onceUponATime.get("greedy_tokens")).subList(0, 16));
            List<TokenEvent.Token> asked = with.events.stream().filter(e -> e instanceof TokenEvent.Token).map(e -> (TokenEvent.Token) e).toList();
            List<TokenEvent.Token> skipped = without.events.stream().filter(e -> e instanceof TokenEvent.Token).map(e -> (TokenEvent.Token) e).toList();
            assertThat(asked).hasSize(16).allSatisfy(t -> assertThat(t.logprob()).isFinite().isLessThanOrEqualTo(0f));
            assertThat(skipped).hasSize(16).allSatisfy(t -> assertThat(t.logprob()).isNaN());
        }
    }

    @Test
    void stopsAtEndOfGenerationAndStopTokens() throws Exception {
        try (LoadedModel model = backend().load(spec("stories260K.gguf", 1))) {
            int[] prompt = {1, 403, 407, 261, 378};
            // a stop token ends the generation with STOP after emitting it
            var stopped = new Collector();
            model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 32, 2, new int[] {286})).subscribe(stopped);
            stopped.await();
            assertThat(stopped.tokens()).containsExactly(432, 383, 286);
            assertThat(stopped.finished()).isEqualTo(new TokenEvent.Finished(FinishReason.STOP, 5, 0, 3));
            assertThat(((TokenEvent.Token) stopped.events.getFirst()).top()).hasSize(2);
            // the context is the other limit: a prompt one token short of it gets that one token
            var full = new Collector();
            model.submit(new GenerationRequest(new int[2047], SamplingParams.GREEDY, 10)).subscribe(full);
            assertThat(full.await().finished()).isEqualTo(new TokenEvent.Finished(FinishReason.LENGTH, 2047, 0, 1));
        }
    }

    @Test
    void rejectsPromptsThatDoNotFit() throws Exception {
        try (LoadedModel model = backend().load(new ModelSpec("s", SharedModels.model("stories260K.gguf"), 64, 1, 1, -1))) {
            assertThat(model.contextSize()).isEqualTo(64);
            assertThatThrownBy(() -> model.submit(new GenerationRequest(new int[65], SamplingParams.GREEDY, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65 tokens").hasMessageContaining("64");
            assertThatThrownBy(() -> model.submit(new GenerationRequest(new int[64], SamplingParams.GREEDY, 1)))
                    .as("a prompt that fills the context leaves no room for output")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 tokens");
            assertThatThrownBy(() -> model.submit(new GenerationRequest(new int[] {1, 512}, SamplingParams.GREEDY, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512").hasMessageContaining("vocabulary");
        }
    }

    @Test
    void aSmallBatchSizeChunksThePromptAndGivesTheSameTokens() throws Exception {
        JsonNode once = referenceCases("stories260K.gguf").get(0);
        var spec = new ModelSpec("s", SharedModels.model("stories260K.gguf"), 0, 1, 1, -1, 2);
        try (LoadedModel model = backend().load(spec)) {
            var collector = new Collector();
            model.submit(new GenerationRequest(ints(once.get("tokens_with_special")), SamplingParams.GREEDY, 32)).subscribe(collector);
            assertThat(collector.await().tokens()).containsExactlyElementsOf(list(once.get("greedy_tokens")));
        }
    }

    @Test
    void cancellingFreesTheSlotForAQueuedRequest() throws Exception {
        try (LoadedModel model = backend().load(spec("stories260K.gguf", 1))) {
            var first = new Collector(3);
            model.submit(new GenerationRequest(new int[] {1, 403, 407, 261, 378}, SamplingParams.GREEDY, 1500)).subscribe(first);
            JsonNode hello = referenceCases("stories260K.gguf").get(1);
            var queued = new Collector();
            model.submit(new GenerationRequest(ints(hello.get("tokens_with_special")), SamplingParams.GREEDY, 32)).subscribe(queued);
            first.await();
            queued.await();
            assertThat(first.tokens()).containsExactly(432, 383, 286);
            assertThat(queued.tokens()).containsExactlyElementsOf(list(hello.get("greedy_tokens")));
            assertThat(((JavaModel) model).active()).isZero();
        }
    }

    @Test
    void aCancelledSequenceLeavesBeforeTheNextStepAndAWaitingOneTakesItsSlot() throws Exception {
        try (LoadedModel model = backend().load(spec("stories260K.gguf", 1))) {
            var ban = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, java.util.Map.of(model.tokenizer().eos(), Float.NEGATIVE_INFINITY));
            var running = new Collector();
            Generation doomed = model.submit(new GenerationRequest(new int[] {1, 403, 407, 261, 378}, ban, 1500));
            doomed.subscribe(running);
            while (running.tokens().size() < 3) Thread.onSpinWait();
            JsonNode hello = referenceCases("stories260K.gguf").get(1);
            var waiting = new Collector();
            model.submit(new GenerationRequest(ints(hello.get("tokens_with_special")), SamplingParams.GREEDY, 32)).subscribe(waiting);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (model.stats().queuedSequences() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(model.stats().queuedSequences()).isEqualTo(1);
            assertThat(model.stats().activeSequences()).isEqualTo(1);
            doomed.cancel();
            assertThat(waiting.await().tokens()).containsExactlyElementsOf(list(hello.get("greedy_tokens")));
            int seen = running.tokens().size();
            assertThat(seen).isLessThan(1500);
            assertThat(running.done).isNotDone();
            ModelStats stats = model.stats();
            assertThat(stats.activeSequences()).isZero();
            assertThat(stats.queuedSequences()).isZero();
            assertThat(stats.kvCacheTokensUsed()).isZero();
            assertThat(running.tokens()).hasSize(seen);
        }
    }

    @Test
    void concurrentSubmissionsAllComplete() throws Exception {
        List<JsonNode> cases = referenceCases("stories260K-q4_0.gguf");
        try (LoadedModel model = backend().load(spec("stories260K-q4_0.gguf", 4));
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            var results = new ArrayList<Future<Collector>>();
            for (int i = 0; i < 3 * cases.size(); i++) {
                JsonNode c = cases.get(i % cases.size());
                results.add(clients.submit(() -> {
                    var collector = new Collector();
                    model.submit(new GenerationRequest(ints(c.get("tokens_with_special")), SamplingParams.GREEDY, 32)).subscribe(collector);
                    return collector.await();
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                JsonNode c = cases.get(i % cases.size());
                Collector collector = results.get(i).get();
                assertThat(collector.tokens()).as("request %d", i).containsExactlyElementsOf(list(c.get("greedy_tokens")));
                assertThat(collector.finished().generatedTokens()).isEqualTo(c.get("greedy_tokens").size());
            }
        }
    }

    @Test
    void closingEndsRunningGenerationsWithAnError() throws Exception {
        LoadedModel model = backend().load(spec("stories260K.gguf", 1));
        var running = new Collector();
        model.submit(new GenerationRequest(new int[] {1, 403}, SamplingParams.GREEDY, 1_000_000)).subscribe(running);
        while (running.tokens().size() < 2) Thread.onSpinWait();
        model.close();
        assertThatThrownBy(running::await).hasRootCauseMessage("model stories260K was closed");
        assertThatThrownBy(() -> model.submit(new GenerationRequest(new int[] {1}, SamplingParams.GREEDY, 1)))
                .isInstanceOf(IllegalStateException.class);
    }
}
