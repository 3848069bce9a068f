package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.engine.JavaBackend;
import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufTensor;
import io.localgate.engine.tensor.HalfFloat;
import io.localgate.llamacpp.LlamaCppBackend;
import io.localgate.backend.Backend;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelWriterTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TinyModel.write(dir, 7);
    }

    @Test
    void writesTheShapeWithTheVocabularysTokenizer() throws IOException {
        try (GgufFile file = GgufFile.open(model); GgufFile vocab = GgufFile.open(TinyModel.vocabDir().resolve("ggml-vocab-starcoder.gguf"))) {
            var meta = file.metadata();
            assertThat(meta.getString("general.architecture")).isEqualTo("llama");
            assertThat(meta.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(meta.getInt("llama.block_count")).isEqualTo(2);
            assertThat(meta.getInt("llama.attention.head_count_kv")).isEqualTo(2);
            assertThat(meta.getInt("llama.rope.dimension_count")).isEqualTo(16);
            assertThat(meta.getStringArray("tokenizer.ggml.tokens")).containsExactly(vocab.metadata().getStringArray("tokenizer.ggml.tokens"));
            assertThat(meta.getString("tokenizer.ggml.pre")).isEqualTo("starcoder");
            assertThat(meta.findString("tokenizer.chat_template")).isPresent();

            assertThat(file.tensors()).hasSize(1 + 2 * 9 + 1);
            assertThat(file.findTensor("output.weight")).as("tied embeddings").isEmpty();
            GgufTensor embedding = file.tensor("token_embd.weight");
            assertThat(embedding.type()).isEqualTo(GgmlType.F16);
            assertThat(embedding.dim(0)).isEqualTo(64);
            assertThat(embedding.dim(1)).isEqualTo(49152);
            assertThat(file.tensor("blk.1.attn_k.weight").dim(1)).isEqualTo(32);
            assertThat(file.tensor("blk.1.ffn_down.weight").dim(0)).isEqualTo(128);
            assertThat(file.tensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);

            // uniform weights with standard deviation 1/sqrt(fan-in): 1/8 for the 64-column query matrix
            var q = file.data(file.tensor("blk.0.attn_q.weight"));
            double sumSquares = 0;
            long n = q.byteSize() / 2;
            for (long i = 0; i < n; i++) {
                float v = HalfFloat.f16ToF32(q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i));
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (Math.sqrt(3) / 8 + 1e-3));
                sumSquares += v * v;
            }
            assertThat(Math.sqrt(sumSquares / n)).isCloseTo(1 / 8.0, org.assertj.core.data.Offset.offset(0.005));
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights() throws IOException {
        Path again = dir.resolve("again.gguf");
        SyntheticModelWriter.write(TinyModel.SHAPE, TinyModel.vocabDir().resolve("ggml-vocab-starcoder.gguf"), 7, again);
        assertThat(Files.mismatch(model, again)).isEqualTo(-1);
        Path other = TinyModel.write(dir, 8);
        assertThat(Files.mismatch(model, other)).isNotEqualTo(-1);
        assertThat(Files.size(other)).isEqualTo(Files.size(model));
    }

    @Test
    void rejectsAVocabularyOfTheWrongSize() {
        var wrong = new ModelShape("wrong", "ggml-vocab-starcoder.gguf", 1000, 64, 2, 4, 2, 128, 10000f, 256, false, "");
        assertThatThrownBy(() -> SyntheticModelWriter.write(wrong, TinyModel.vocabDir().resolve("ggml-vocab-starcoder.gguf"), 1,
                dir.resolve("wrong.gguf"))).hasMessageContaining("has 49152 tokens");
        assertThat(dir.resolve("wrong.gguf")).doesNotExist();
    }

    @Test
    void bothBackendsRunItAndChooseTheSameGreedyTokens() throws Exception {
        List<Integer> java = greedy(new JavaBackend(), model);
        List<Integer> llama = greedy(new LlamaCppBackend(), model);
        assertThat(java).hasSize(8);
        assertThat(java).isEqualTo(llama);
    }

    @Test
    void llamaCppQuantizesIt() throws IOException {
        Path q8 = dir.resolve("tiny-q8_0.gguf");
        LlamaQuantizer.quantize(model, q8, QuantType.Q8_0);
        try (GgufFile file = GgufFile.open(q8)) {
            assertThat(file.metadata().getInt("general.file_type")).isEqualTo(7);
            assertThat(file.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(file.tensor("blk.0.attn_norm.weight").type()).isEqualTo(GgmlType.F32);
        }
        assertThat(dir.resolve("tiny-q8_0.gguf.partial")).doesNotExist();
    }

    static List<Integer> greedy(Backend backend, Path file) throws Exception {
        try (LoadedModel loaded = backend.load(new ModelSpec("tiny", file, 64, 1, 1, 0))) {
            var tokens = new ArrayList<Integer>();
            var done = new CompletableFuture<Void>();
            loaded.submit(new GenerationRequest(new int[] {100, 200, 300}, BackendBench.greedyWithoutEndOfGeneration(loaded.tokenizer()), 8))
                    .subscribe(new Flow.Subscriber<>() {
                        public void onSubscribe(Flow.Subscription s) {
                            s.request(Long.MAX_VALUE);
                        }

                        public void onNext(TokenEvent e) {
                            if (e instanceof TokenEvent.Token t) {
                                assertThat(t.logprob()).isFinite();
                                tokens.add(t.id());
                            }
                        }

                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        public void onComplete() {
                            done.complete(null);
                        }
                    });
            done.get(2, TimeUnit.MINUTES);
            return tokens;
        }
    }
}
