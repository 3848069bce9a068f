package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.localgate.backend.Embedding;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The BERT encoder against llama.cpp's embeddings of all-MiniLM-L6-v2 ({@code reference/all-MiniLM-L6-v2-Q4_K_M.json}:
 * cosine >= 0.9999 for every text, token ids equal) and ONNX Runtime's on the original F32 weights (about 0.99).
 */
class EmbeddingsTest {

    private static LoadedModel minilm;
    private static JsonNode reference;
    private static JsonNode onnx;

    @BeforeAll
    static void load() throws Exception {
        reference = new ObjectMapper().readTree(Files.readString(SharedModels.reference("all-MiniLM-L6-v2-Q4_K_M.json")));
        onnx = new ObjectMapper().readTree(Files.readString(SharedModels.reference("all-MiniLM-L6-v2.onnx-f32.json")));
        minilm = JavaBackendTest.backend().load(new ModelSpec("minilm", SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"), 0, 2, 0, -1));
    }

    @AfterAll
    static void close() {
        if (minilm != null) minilm.close();
    }

    @Test
    void eachTextMatchesLlamaCppsEmbedding() {
        assertThat(minilm.contextSize()).isEqualTo(512);
        assertThat(minilm.info().embeddingLength()).isEqualTo(reference.get("n_embd").asInt());
        for (JsonNode c : reference.get("cases")) {
            String text = c.get("text").asString();
            int[] tokens = minilm.tokenizer().encode(text, true, true);
            assertThat(tokens).as("tokens of '%s'", text).containsExactly(JavaBackendTest.ints(c.get("tokens_with_special")));
            assertThat(minilm.tokenizer().encode(text, false, true)).containsExactly(JavaBackendTest.ints(c.get("tokens")));
            Embedding embedding = minilm.embed(List.<int[]>of(tokens)).getFirst();
            assertThat(embedding.tokens()).isEqualTo(tokens.length);
            assertThat(norm(embedding.vector())).isCloseTo(1.0, within(1e-5));
            float[] expected = floats(c.get("embedding"));
            double cosine = cosine(embedding.vector(), expected);
            double maxDifference = 0;
            for (int i = 0; i < expected.length; i++) maxDifference = Math.max(maxDifference, Math.abs(embedding.vector()[i] - expected[i]));
            System.out.printf("java vs llama.cpp, '%s': cosine %.7f, largest difference %.1e%n", text, cosine, maxDifference);
            assertThat(cosine).as("cosine to llama.cpp for '%s'", text).isGreaterThanOrEqualTo(0.9999);
        }
    }

    @Test
    void severalInputsGiveTheVectorsOfEachAlone() {
        List<int[]> inputs = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) inputs.add(JavaBackendTest.ints(c.get("tokens_with_special")));
        List<Embedding> together = minilm.embed(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(together.get(i).vector()).containsExactly(minilm.embed(List.of(inputs.get(i))).getFirst().vector());
        }
    }

    /** Quantized weights and activations against the original F32 model: close, not equal. */
    @Test
    void closeToTheOriginalF32Model() {
        for (JsonNode c : onnx.get("cases")) {
            if (!c.has("embedding") || c.get("embedding").isEmpty()) continue; // none for the empty text
            String text = c.get("text").asString();
            assertThat(minilm.tokenizer().encode(text, true, true)).containsExactly(JavaBackendTest.ints(c.get("hf_tokens_with_special")));
            float[] ours = minilm.embed(List.of(minilm.tokenizer().encode(text, true, true))).getFirst().vector();
            double cosine = cosine(ours, floats(c.get("embedding")));
            System.out.printf("java vs ONNX F32, '%s': cosine %.6f%n", text, cosine);
            assertThat(cosine).isGreaterThan(0.98);
        }
    }

    @Test
    void refusesWhatItCannotEmbed() {
        assertThatThrownBy(() -> minilm.embed(List.of(new int[0]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minilm.embed(List.of(new int[513]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minilm.embed(List.of(new int[] {101, 30522}))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minilm.submit(new GenerationRequest(new int[] {101}, SamplingParams.GREEDY, 1, 0, new int[0])))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * A decoder's embedding (the mean of its last hidden states after the output norm): a unit vector of its
     * width, the same whether the text runs in one step or several, and its generations are unaffected.
     */
    @Test
    void aDecoderEmbedsTheSameInOneStepOrSeveral() throws Exception {
        var backend = JavaBackendTest.backend();
        var file = SharedModels.model("stories260K.gguf");
        try (LoadedModel oneStep = backend.load(new ModelSpec("one", file, 256, 2, 1, -1, 0));
             LoadedModel steps = backend.load(new ModelSpec("steps", file, 256, 2, 1, -1, 4))) {
            int[] tokens = oneStep.tokenizer().encode("Once upon a time there was a little girl who lived near the forest.", true, true);
            float[] whole = oneStep.embed(List.of(tokens)).getFirst().vector();
            float[] inSteps = steps.embed(List.of(tokens)).getFirst().vector();
            assertThat(whole).hasSize(64);
            assertThat(norm(whole)).isCloseTo(1.0, within(1e-5));
            assertThat(cosine(whole, inSteps)).isGreaterThanOrEqualTo(0.9999);
            float[] other = oneStep.embed(List.of(oneStep.tokenizer().encode("Hello", true, true))).getFirst().vector();
            assertThat(cosine(whole, other)).isLessThan(0.9999);
            assertThat(oneStep.embed(List.of(tokens)).getFirst().vector()).containsExactly(whole);

            JsonNode reference = JavaBackendTest.referenceCases("stories260K.gguf").getFirst();
            var greedy = new Collector();
            oneStep.submit(new GenerationRequest(JavaBackendTest.ints(reference.get("tokens_with_special")), SamplingParams.GREEDY, 32))
                    .subscribe(greedy);
            assertThat(greedy.await().tokens()).containsExactlyElementsOf(JavaBackendTest.list(reference.get("greedy_tokens")));
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        return Math.sqrt(sum);
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return out;
    }
}
