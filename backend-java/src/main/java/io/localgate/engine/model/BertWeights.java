package io.localgate.engine.model;

import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a BERT encoder, named as llama.cpp's {@code bert} loader names them. Matrices stay in the
 * mapped file; norm weights and biases are copied into arrays.
 *
 * @param tokenType the first row of {@code token_types.weight} (llama.cpp feeds every token as "sentence A"), or null
 */
public record BertWeights(Matrix tokenEmbedding, Matrix positionEmbedding, float[] tokenType,
                          float[] embeddingNorm, float[] embeddingNormBias, List<Layer> layers) {

    /** Biases of the projections are null when the file has none. */
    public record Layer(
            Matrix query, float[] queryBias,
            Matrix key, float[] keyBias,
            Matrix value, float[] valueBias,
            Matrix attentionOutput, float[] attentionOutputBias,
            float[] attentionNorm, float[] attentionNormBias,
            Matrix up, float[] upBias,
            Matrix down, float[] downBias,
            float[] outputNorm, float[] outputNormBias) {
    }

    /**
     * Maps every tensor and checks its shape.
     *
     * @throws io.localgate.engine.gguf.GgufException when a tensor is missing or has the wrong shape
     * @throws UnsupportedModelException              when a tensor has a type the kernels lack, or the file has
     *                                                tensors this encoder would silently ignore
     */
    public static BertWeights load(GgufFile file, BertConfig config) {
        var reader = new ModelWeights.Reader(file);
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        Matrix tokens = reader.matrix("token_embd.weight", config.vocabSize(), dim);
        Matrix positions = reader.matrix("position_embd.weight", config.trainContextLength(), dim);
        float[] tokenType = null;
        if (config.tokenTypes() > 0) {
            tokenType = new float[dim];
            reader.matrix("token_types.weight", config.tokenTypes(), dim).dequantizeRow(0, tokenType, 0);
        }
        float[] norm = reader.vector("token_embd_norm.weight", dim);
        float[] normBias = reader.vector("token_embd_norm.bias", dim);
        var layers = new ArrayList<Layer>();
        for (int l = 0; l < config.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new Layer(
                    reader.matrix(b + "attn_q.weight", dim, dim), reader.optionalVector(b + "attn_q.bias", dim),
                    reader.matrix(b + "attn_k.weight", dim, dim), reader.optionalVector(b + "attn_k.bias", dim),
                    reader.matrix(b + "attn_v.weight", dim, dim), reader.optionalVector(b + "attn_v.bias", dim),
                    reader.matrix(b + "attn_output.weight", dim, dim), reader.optionalVector(b + "attn_output.bias", dim),
                    reader.vector(b + "attn_output_norm.weight", dim), reader.vector(b + "attn_output_norm.bias", dim),
                    reader.matrix(b + "ffn_up.weight", ffn, dim), reader.optionalVector(b + "ffn_up.bias", ffn),
                    reader.matrix(b + "ffn_down.weight", dim, ffn), reader.optionalVector(b + "ffn_down.bias", dim),
                    reader.vector(b + "layer_output_norm.weight", dim), reader.vector(b + "layer_output_norm.bias", dim)));
        }
        reader.checkAllUsed();
        return new BertWeights(tokens, positions, tokenType, norm, normBias, List.copyOf(layers));
    }
}
