package io.localgate.engine.model;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufTensor;
import io.localgate.engine.tensor.Matrix;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tensors of a llama-style decoder. Matrices stay in the mapped file; the small one-dimensional
 * norm weights and biases are copied into arrays because the row-wise operations read them per element.
 *
 * @param output          the vocabulary projection: {@code output.weight}, or the token embedding when tied
 * @param ropeFreqFactors llama3's per-frequency divisors ({@code rope_freqs.weight}), or null
 */
public record ModelWeights(Matrix tokenEmbedding, List<Layer> layers, float[] outputNorm, Matrix output, float[] ropeFreqFactors) {

    /** Biases are null when the file has none. */
    public record Layer(
            float[] attentionNorm,
            Matrix query, float[] queryBias,
            Matrix key, float[] keyBias,
            Matrix value, float[] valueBias,
            Matrix attentionOutput, float[] attentionOutputBias,
            float[] feedForwardNorm,
            Matrix gate, Matrix up, Matrix down) {
    }

    /** Tensors llama.cpp itself loads but does not use for these architectures. */
    private static final Set<String> IGNORED = Set.of("output.bias");

    /**
     * Maps every tensor and checks its shape.
     *
     * @throws GgufException             when a tensor is missing or has the wrong shape
     * @throws UnsupportedModelException when a tensor has a type the kernels lack, or the file has tensors
     *                                   this forward pass would silently ignore (extra biases, ...)
     */
    public static ModelWeights load(GgufFile file, ModelConfig config) {
        var reader = new Reader(file);
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        Matrix embedding = reader.matrix("token_embd.weight", config.vocabSize(), dim);
        var layers = new ArrayList<Layer>();
        for (int l = 0; l < config.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new Layer(
                    reader.vector(b + "attn_norm.weight", dim),
                    reader.matrix(b + "attn_q.weight", config.queryDim(), dim),
                    reader.optionalVector(b + "attn_q.bias", config.queryDim()),
                    reader.matrix(b + "attn_k.weight", config.kvDim(), dim),
                    reader.optionalVector(b + "attn_k.bias", config.kvDim()),
                    reader.matrix(b + "attn_v.weight", config.kvDim(), dim),
                    reader.optionalVector(b + "attn_v.bias", config.kvDim()),
                    reader.matrix(b + "attn_output.weight", dim, config.queryDim()),
                    reader.optionalVector(b + "attn_output.bias", dim),
                    reader.vector(b + "ffn_norm.weight", dim),
                    reader.matrix(b + "ffn_gate.weight", ffn, dim),
                    reader.matrix(b + "ffn_up.weight", ffn, dim),
                    reader.matrix(b + "ffn_down.weight", dim, ffn)));
        }
        float[] outputNorm = reader.vector("output_norm.weight", dim);
        Matrix output = file.findTensor("output.weight").isPresent()
                ? reader.matrix("output.weight", config.vocabSize(), dim) : embedding;
        float[] ropeFreqs = reader.optionalVector("rope_freqs.weight", config.ropeDims() / 2);
        reader.checkAllUsed();
        return new ModelWeights(embedding, List.copyOf(layers), outputNorm, output, ropeFreqs);
    }

    /** Reads tensors by name and remembers which were used. */
    static final class Reader {
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final GgufFile file;
        private final Set<String> used = new HashSet<>();

        Reader(GgufFile file) {
            this.file = file;
        }

        Matrix matrix(String name, int rows, int cols) {
            GgufTensor t = tensor(name, cols, rows);
            if (!Matrix.supports(t.type())) throw new UnsupportedModelException("tensor " + name + " has type " + t.type() + ", which is not supported yet");
            return Matrix.of(t.type(), file.data(t), rows, cols);
        }

        float[] vector(String name, int length) {
            GgufTensor t = tensor(name, length);
            if (t.type() != GgmlType.F32) throw new GgufException("tensor " + name + " should be F32, not " + t.type());
            return file.data(t).toArray(F32);
        }

        float[] optionalVector(String name, int length) {
            return file.findTensor(name).isPresent() ? vector(name, length) : null;
        }

        private GgufTensor tensor(String name, long... shape) {
            GgufTensor t = file.tensor(name);
            long[] actual = t.shape();
            if (!Arrays.equals(actual, shape)) {
                throw new GgufException("tensor " + name + " has shape " + Arrays.toString(actual) + ", expected " + Arrays.toString(shape));
            }
            used.add(name);
            return t;
        }

        void checkAllUsed() {
            List<String> unused = file.tensors().stream().map(GgufTensor::name)
                    .filter(n -> !used.contains(n) && !IGNORED.contains(n)).toList();
            if (!unused.isEmpty()) {
                throw new UnsupportedModelException("tensors this engine does not use yet: " + String.join(", ", unused));
            }
        }
    }
}
