package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.grammar.TokenTrie;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.model.Architecture;
import io.localgate.engine.model.ModelConfig;
import io.localgate.engine.model.ModelWeights;
import io.localgate.engine.model.Transformer;
import io.localgate.engine.scheduler.Scheduler;
import io.localgate.engine.tensor.WorkerPool;
import io.localgate.engine.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A request's grammar through the java backend's scheduler: the output follows it, greedy or sampled, and a bad grammar is refused at submit. */
class GrammarGenerationTest {

    private static final String GRAMMAR = """
            root ::= "The " animal " is " ("big" | "small") "."
            animal ::= "cat" | "dog" | "bird"
            """;

    @Test
    void outputFollowsTheGrammarAndEndsWhenItIsComplete() throws Exception {
        try (LoadedModel model = new JavaBackend().load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 512, 1, 4, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
            for (long seed = 0; seed < 6; seed++) {
                var sampling = seed == 0 ? SamplingParams.GREEDY : new SamplingParams(1.2f, 0, 1f, 0f, seed, 1f, 64, 0f, 0f, Map.of());
                var collector = new Collector();
                model.submit(new GenerationRequest(prompt, sampling, 64, 0, new int[0], GRAMMAR)).subscribe(collector);
                collector.await();
                int[] tokens = collector.tokens().stream().mapToInt(Integer::intValue).toArray();
                String text = new String(model.tokenizer().decode(tokens, false), StandardCharsets.UTF_8);
                assertThat(text).matches("The (cat|dog|bird) is (big|small)\\.");
                assertThat(collector.finished().reason()).isEqualTo(FinishReason.STOP);
                assertThat(model.tokenizer().isEndOfGeneration(tokens[tokens.length - 1])).isTrue();
            }
        }
    }

    @Test
    void controlTokensNeverStandInForTheirText() throws Exception {
        try (LoadedModel model = new JavaBackend().load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 512, 1, 1, -1))) {
            int bos = model.tokenizer().bos();
            int[] prompt = model.tokenizer().encode("Once", true, false);
            var sampling = new SamplingParams(0f, 0, 1f, 0f, 0, 1f, 64, 0f, 0f, Map.of(bos, 100f));
            var collector = new Collector();
            model.submit(new GenerationRequest(prompt, sampling, 16, 0, new int[0], "root ::= \"<s>\"")).subscribe(collector);
            collector.await();
            int[] tokens = collector.tokens().stream().mapToInt(Integer::intValue).toArray();
            assertThat(tokens).doesNotContain(bos);
            assertThat(new String(model.tokenizer().decode(tokens, false), StandardCharsets.UTF_8)).isEqualTo("<s>");
        }
    }

    @Test
    void aGrammarThatDoesNotParseIsRefusedAtSubmitWithItsPlace() throws Exception {
        try (LoadedModel model = new JavaBackend().load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 512, 1, 1, -1))) {
            int[] prompt = model.tokenizer().encode("Hi", true, false);
            var bad = new GenerationRequest(prompt, SamplingParams.GREEDY, 8, 0, new int[0], "root ::= \"a\"\nb ::= (\"x\"");
            assertThatThrownBy(() -> model.submit(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
            var leftRecursive = new GenerationRequest(prompt, SamplingParams.GREEDY, 8, 0, new int[0], "root ::= root \"a\" | \"b\"");
            assertThatThrownBy(() -> model.submit(leftRecursive)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("left-recursive");
        }
    }

    /**
     * The vocabulary's trie (built on a model's first grammar request) and each request's matcher are made
     * on the thread that submits, not on the loop thread that steps every sequence of the model.
     */
    @Test
    void theVocabularyTrieIsBuiltOnTheSubmittingThread() throws Exception {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            ModelConfig config = ModelConfig.from(file, Architecture.LLAMA);
            try (var pool = new WorkerPool("test", 1); var cache = new KvCache(config.layers(), 2, 128, config.kvDim())) {
                generateWithAGrammar(file, config, pool, cache);
            }
        }
    }

    private static void generateWithAGrammar(GgufFile file, ModelConfig config, WorkerPool pool, KvCache cache) throws Exception {
        Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata());
        var transformer = new Transformer(config, ModelWeights.load(file, config), pool, 64, 2);
        var built = TokenTrie.lazy(tokenizer);
        List<String> buildingThreads = new CopyOnWriteArrayList<>();
        try (var scheduler = new Scheduler("stories", transformer, cache, tokenizer::isEndOfGeneration, 64, () -> {
            buildingThreads.add(Thread.currentThread().getName());
            return built.get();
        })) {
            int[] prompt = tokenizer.encode("Once upon a time", true, false);
            var generation = scheduler.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 64, 0, new int[0], GRAMMAR));
            assertThat(buildingThreads).containsExactly(Thread.currentThread().getName());
            var collector = new Collector();
            generation.subscribe(collector);
            collector.await();
            String text = new String(tokenizer.decode(collector.tokens().stream().mapToInt(Integer::intValue).toArray(), false), StandardCharsets.UTF_8);
            assertThat(text).matches("The (cat|dog|bird) is (big|small)\\.");
            assertThat(buildingThreads).containsExactly(Thread.currentThread().getName());
        }
    }
}
