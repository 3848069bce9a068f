package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Embedding;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Embeddings through llama.cpp against llama.cpp's own reference vectors for all-MiniLM-L6-v2
 * ({@code shared/models/reference/all-MiniLM-L6-v2-Q4_K_M.json}), and pooled embeddings of a decoder.
 */
class NativeEmbeddingsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static LoadedModel minilm;
    private static JsonNode reference;
    private static JsonNode onnx;

    @BeforeAll
    static void load() throws Exception {
        reference = JSON.readTree(SharedModels.reference("all-MiniLM-L6-v2-Q4_K_M.json").toFile());
        onnx = JSON.readTree(SharedModels.reference("all-MiniLM-L6-v2.onnx-f32.json").toFile());
        minilm = new LlamaCppBackend().load(new ModelSpec("minilm", SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"), 512, 2, 1, 0));
    }

    @AfterAll
    static void close() {
        if (minilm != null) minilm.close();
    }

    @Test
    void eachTextMatchesLlamaCppsEmbedding() {
        for (JsonNode c : reference.get("cases")) {
            int[] tokens = minilm.tokenizer().encode(c.get("text").asString(), true, true);
            assertThat(tokens).as("tokens of '%s'", c.get("text").asString()).containsExactly(ints(c.get("tokens_with_special")));
            Embedding embedding = minilm.embed(List.<int[]>of(tokens)).getFirst();
            assertThat(embedding.tokens()).isEqualTo(tokens.length);
            assertThat(embedding.vector()).hasSize(384);
            assertThat(norm(embedding.vector())).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(cosine(embedding.vector(), floats(c.get("embedding")))).as("cosine to llama.cpp for '%s'", c.get("text").asString())
                    .isGreaterThanOrEqualTo(0.9999);
        }
    }

    @Test
    void inputsEmbeddedTogetherEqualThoseEmbeddedAlone() {
        List<int[]> inputs = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) inputs.add(ints(c.get("tokens_with_special")));
        List<Embedding> together = minilm.embed(inputs);
        assertThat(together).hasSize(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            float[] alone = minilm.embed(List.of(inputs.get(i))).getFirst().vector();
            assertThat(together.get(i).vector()).as("input %d", i).containsExactly(alone);
        }
    }

    /** The quantized model against ONNX Runtime on the original F32 weights: close, not equal (about 0.99). */
    @Test
    void closeToTheOriginalF32Model() {
        for (JsonNode c : onnx.get("cases")) {
            if (!c.has("embedding") || c.get("embedding").isEmpty()) continue; // none for the empty text
            float[] ours = minilm.embed(List.of(minilm.tokenizer().encode(c.get("text").asString(), true, true))).getFirst().vector();
            double cosine = cosine(ours, floats(c.get("embedding")));
            System.out.printf("llama-cpp vs ONNX F32, '%s': cosine %.6f%n", c.get("text").asString(), cosine);
            assertThat(cosine).isGreaterThan(0.98);
        }
    }

    @Test
    void refusesInputsThatDoNotFit() {
        assertThatThrownBy(() -> minilm.embed(List.of(new int[0]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minilm.embed(List.of(new int[513]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> minilm.embed(List.of(new int[] {101, 30522}))).isInstanceOf(IllegalArgumentException.class);
    }

    /** A decoder's embedding: its last hidden state (after the output norm) averaged over the tokens. */
    @Test
    void aDecoderGivesMeanPooledUnitVectors() throws Exception {
        try (LoadedModel stories = new LlamaCppBackend().load(new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 256, 2, 1, 0))) {
            int[] a = stories.tokenizer().encode("Once upon a time", true, true);
            int[] b = stories.tokenizer().encode("The cat sat on the mat", true, true);
            List<Embedding> both = stories.embed(List.of(a, b));
            assertThat(both.get(0).vector()).hasSize(64);
            assertThat(norm(both.get(0).vector())).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(cosine(both.get(0).vector(), both.get(1).vector())).isLessThan(0.9999);
            // the KV cache is cleared between calls: the same input gives the same vector again
            assertThat(cosine(stories.embed(List.of(a)).getFirst().vector(), both.get(0).vector())).isGreaterThanOrEqualTo(0.99999);
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

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        return Math.sqrt(sum);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return out;
    }
}
