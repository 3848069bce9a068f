package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Backend;
import io.localgate.backend.Capability;
import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.Pooling;
import io.localgate.backend.SamplingParams;
import io.localgate.llamacpp.ffi.LlamaLibraryException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend through the SPI: discovery, descriptions, refusals, and the life of a loaded model. */
class LlamaCppBackendTest {

    private static final Path STORIES = SharedModels.model("stories260K.gguf");
    private final LlamaCppBackend backend = new LlamaCppBackend();

    @Test
    void isFoundThroughServiceLoader() {
        assertThat(ServiceLoader.load(Backend.class).stream().map(p -> p.get().id())).contains("llama-cpp");
    }

    @Test
    void describesAFileFromItsMetadata() throws Exception {
        ModelInfo info = backend.describe(ModelSpec.of("stories", STORIES));
        assertThat(info.architecture()).isEqualTo("llama");
        assertThat(info.vocabSize()).isEqualTo(512);
        assertThat(info.trainContextLength()).isEqualTo(2048);
        assertThat(info.embeddingLength()).isEqualTo(64);
        assertThat(info.fileType()).isEqualTo("F32");
        assertThat(info.bosToken()).contains("<s>");
        assertThat(info.capabilities()).containsExactlyInAnyOrder(Capability.COMPLETION, Capability.CHAT, Capability.EMBEDDINGS);
        assertThat(info.pooling()).contains(Pooling.MEAN);
        assertThat(info.supported()).isTrue();

        assertThat(backend.describe(ModelSpec.of("q2", SharedModels.model("TinyStories-656K-Q2_K.gguf"))).fileType()).isEqualTo("IQ4_NL");
    }

    @Test
    void anEmbeddingModelIsDescribedWithItsPooling() throws Exception {
        var spec = ModelSpec.of("minilm", SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"));
        ModelInfo info = backend.describe(spec);
        assertThat(info.architecture()).isEqualTo("bert");
        assertThat(info.capabilities()).containsExactly(Capability.EMBEDDINGS);
        assertThat(info.pooling()).contains(Pooling.MEAN);
        assertThat(info.embeddingLength()).isEqualTo(384);
        assertThat(info.supported()).isTrue();
    }

    /** Corrupted files are refused by our parser with the offset; llama.cpp never sees them. */
    @Test
    void corruptedFilesGetOurErrorWithTheOffset(@TempDir Path dir) throws Exception {
        byte[] original = Files.readAllBytes(STORIES);

        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(original, original.length / 2));
        assertMalformed(truncated, "byte offset");

        Path hugeTensorCount = dir.resolve("tensor-count.gguf");
        byte[] flipped = original.clone();
        ByteBuffer.wrap(flipped).order(ByteOrder.LITTLE_ENDIAN).putLong(8, 0x7fff_ffff_ffffL); // the tensor count
        Files.write(hugeTensorCount, flipped);
        assertMalformed(hugeTensorCount, "byte offset 8");

        Path notGguf = dir.resolve("text.gguf");
        Files.writeString(notGguf, "not a model at all");
        assertMalformed(notGguf, "not a GGUF file");

        assertThatThrownBy(() -> backend.load(ModelSpec.of("gone", dir.resolve("missing.gguf")))).isInstanceOf(ModelLoadException.class)
                .satisfies(e -> assertThat(((ModelLoadException) e).reason()).isEqualTo(ModelLoadException.Reason.IO));
    }

    private void assertMalformed(Path file, String message) {
        for (var call : new ThrowingCall[] {() -> backend.load(ModelSpec.of("bad", file)), () -> backend.describe(ModelSpec.of("bad", file))}) {
            assertThatThrownBy(call::run).isInstanceOf(ModelLoadException.class).hasMessageContaining(message)
                    .satisfies(e -> assertThat(((ModelLoadException) e).reason()).isEqualTo(ModelLoadException.Reason.MALFORMED));
        }
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void withoutItsLibrariesTheBackendRefusesEveryModelSayingWhy() {
        var unavailable = new LlamaCppBackend(() -> {
            throw new LlamaLibraryException("no libllama.so (nor libllama.v*.so) in /opt/none (from LOCALGATE_LLAMA_CPP_LIB_PATH)");
        });
        for (var call : new ThrowingCall[] {() -> unavailable.describe(ModelSpec.of("s", STORIES)), () -> unavailable.load(ModelSpec.of("s", STORIES))}) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(ModelLoadException.class,
                            e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.UNAVAILABLE))
                    .hasMessageContaining("llama-cpp backend is unavailable").hasMessageContaining("/opt/none");
        }
    }

    @Test
    void aSmallBatchSizeChunksThePromptAndGivesTheSameTokens() throws Exception {
        int[] onceUponATime = {1, 403, 407, 261, 378}; // stories260K's reference prompt and greedy start
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 64, 1, 1, -1, 2))) {
            Collected greedy = Collected.of(model.submit(new GenerationRequest(onceUponATime, SamplingParams.GREEDY, 4)));
            assertThat(greedy.ids()).containsExactly(432, 383, 286, 261);
        }
    }

    @Test
    void aLoadedModelReportsItsSettingsAndChecksRequests() throws Exception {
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 0, 1, 2, -1))) {
            assertThat(model.contextSize()).isEqualTo(2048); // min(training context, 4096)
            assertThat(model.info().vocabSize()).isEqualTo(512);
            var tokenizer = model.tokenizer();
            assertThat(tokenizer.bos()).isEqualTo(1);
            assertThat(tokenizer.eos()).isEqualTo(2);
            assertThat(tokenizer.isEndOfGeneration(2)).isTrue();
            assertThat(tokenizer.isControl(1)).isTrue();
            assertThat(new String(tokenizer.decode(tokenizer.encode("Once upon a time", false, false), false))).isEqualTo(" Once upon a time");
            assertThatThrownBy(() -> tokenizer.piece(512, false)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> tokenizer.isEndOfGeneration(-1)).isInstanceOf(IllegalArgumentException.class);

            int[] tooLong = new int[2048];
            Arrays.fill(tooLong, 5);
            assertThatThrownBy(() -> model.submit(new GenerationRequest(tooLong, SamplingParams.GREEDY, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2048");
            assertThatThrownBy(() -> model.submit(new GenerationRequest(new int[] {1, 512}, SamplingParams.GREEDY, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512");

            Collected none = Collected.of(model.submit(new GenerationRequest(new int[] {1, 403}, SamplingParams.GREEDY, 0)));
            assertThat(none.tokens()).isEmpty();
            assertThat(none.finished().reason()).isEqualTo(FinishReason.LENGTH);
            assertThat(none.finished().promptTokens()).isEqualTo(2);
        }
    }

    @Test
    void withoutLogprobsTheTokensAreTheSameAndCarryNone() throws Exception {
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 256, 1, 1, -1))) {
            var request = new GenerationRequest(model.tokenizer().encode("Once upon a time", true, true), SamplingParams.GREEDY, 12);
            Collected with = Collected.of(model.submit(request));
            Collected without = Collected.of(model.submit(request.withLogprobs(false)));
            assertThat(without.ids()).containsExactly(with.ids());
            assertThat(with.tokens()).hasSize(12).allSatisfy(t -> assertThat(t.logprob()).isFinite().isLessThanOrEqualTo(0f));
            assertThat(without.tokens()).hasSize(12).allSatisfy(t -> assertThat(t.logprob()).isNaN());
        }
    }

    @Test
    void stopTokensEndAGeneration() throws Exception {
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 256, 1, 1, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            int[] free = Collected.of(model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 10))).ids();
            Collected stopped = Collected.of(model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 10, 0, new int[] {free[2]})));
            int firstStop = Arrays.stream(free).boxed().toList().indexOf(free[2]);
            assertThat(stopped.ids()).containsExactly(Arrays.copyOf(free, firstStop + 1));
            assertThat(stopped.finished().reason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void seededSamplingIsReproducible() throws Exception {
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 256, 1, 2, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            var sampling = new SamplingParams(0.9f, 40, 0.95f, 0.05f, 42L, 1.1f, 64, 0f, 0f, Map.of());
            int[] first = Collected.of(model.submit(new GenerationRequest(prompt, sampling, 40))).ids();
            assertThat(Collected.of(model.submit(new GenerationRequest(prompt, sampling, 40))).ids()).containsExactly(first);
            assertThat(Collected.of(model.submit(new GenerationRequest(prompt, sampling.withSeed(7L), 40))).ids()).isNotEqualTo(first);
        }
    }

    @Test
    void aGenerationStopsAtTheEndOfTheContext() throws Exception {
        try (LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 16, 1, 1, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true); // 6 tokens
            var noEnd = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(2, Float.NEGATIVE_INFINITY));
            Collected out = Collected.of(model.submit(new GenerationRequest(prompt, noEnd, 100)));
            assertThat(out.finished().reason()).isEqualTo(FinishReason.LENGTH);
            assertThat(prompt.length + out.tokens().size()).isEqualTo(16);
        }
    }

    /** The vocabulary is freed only when no tokenizer call is using it: closing races with them safely. */
    @Test
    void closingWhileOtherThreadsTokenizeIsSafe() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        for (int round = 0; round < 5; round++) {
            LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 256, 1, 1, -1));
            var tokenizer = model.tokenizer();
            var calls = new AtomicLong();
            var outcomes = new ArrayList<CompletableFuture<Throwable>>();
            for (int t = 0; t < 3; t++) {
                outcomes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        while (true) {
                            tokenizer.encode("Once upon a time there was a little dog", true, true);
                            tokenizer.piece(300, false);
                            calls.incrementAndGet();
                        }
                    } catch (IllegalStateException closed) {
                        return closed;
                    }
                }, threads));
            }
            while (calls.get() < 100) Thread.onSpinWait();
            model.close();
            for (var outcome : outcomes) assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        }
        threads.shutdown();
    }

    @Test
    void closingEndsRunningGenerationsAndLaterCallsFailInJava() throws Exception {
        LoadedModel model = backend.load(new ModelSpec("stories", STORIES, 2048, 1, 1, -1));
        var tokenizer = model.tokenizer();
        int[] prompt = tokenizer.encode("Once upon a time", true, true);
        var noEnd = new SamplingParams(0f, 0, 1f, 0f, 0L, 1f, 64, 0f, 0f, Map.of(2, Float.NEGATIVE_INFINITY));
        var started = new CountDownLatch(1);
        var running = Collected.start(model.submit(new GenerationRequest(prompt, noEnd, 2000)), started::countDown);
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        model.close();
        assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tokenizer.encode("Once", false, false)).isInstanceOf(IllegalStateException.class);
        model.close(); // twice is fine
    }
}
