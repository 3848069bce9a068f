package io.localgate.engine.model;

import io.localgate.backend.Embedding;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.tensor.Attention;
import io.localgate.engine.tensor.Elementwise;
import io.localgate.engine.tensor.EncoderOps;
import io.localgate.engine.tensor.MatmulInput;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tensor.WorkerPool;
import java.util.Arrays;

/**
 * The forward pass of a BERT encoder over one text, as llama.cpp's {@code bert} graph computes it (post-norm,
 * bidirectional attention):
 *
 * <pre>
 *   x = layernorm(token_embd[token] + token_types[0] + position_embd[position])
 *   for each layer:
 *     q, k, v = Wq x + bq, Wk x + bk, Wv x + bv
 *     x = layernorm(x + Wo attention(q, k, v over every token of the text) + bo)
 *     x = layernorm(x + Wdown gelu(Wup x + bup) + bdown)
 *   embedding = pool(x)          mean over the tokens, the first ([CLS]) or the last token
 * </pre>
 *
 * Activations enter each matrix product in the weight's dot type (quantized to Q8_0 / Q8_K for quantized
 * weights), and attention runs over F16 keys and values like ggml's flash attention, so the vectors agree
 * with llama.cpp's. Not thread-safe: one caller at a time; the work of a step is spread over the pool.
 */
public final class BertEncoder implements AutoCloseable {

    private final BertConfig config;
    private final BertWeights weights;
    private final WorkerPool pool;
    private final int maxTokens;
    private final float attentionScale;

    private final float[] x;
    private final float[] sum;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] attended;
    private final float[] up;
    private final MatmulInput xInput;
    private final MatmulInput attendedInput;
    private final MatmulInput upInput;
    private final boolean[] multiRow;
    private final KvCache keysAndValues;
    private final Attention.Scratch[] attentionScratch;

    /** @param maxTokens the longest text (at most the position embedding's rows) */
    public BertEncoder(BertConfig config, BertWeights weights, WorkerPool pool, int maxTokens) {
        if (maxTokens > config.trainContextLength()) {
            throw new IllegalArgumentException("a context of " + maxTokens + " exceeds the " + config.trainContextLength() + " positions of the model");
        }
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        this.maxTokens = maxTokens;
        this.attentionScale = 1f / (float) Math.sqrt(config.headDim());
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        x = new float[maxTokens * dim];
        sum = new float[maxTokens * dim];
        q = new float[maxTokens * dim];
        k = new float[maxTokens * dim];
        v = new float[maxTokens * dim];
        attended = new float[maxTokens * dim];
        up = new float[maxTokens * ffn];
        xInput = new MatmulInput(maxTokens, dim);
        attendedInput = new MatmulInput(maxTokens, dim);
        upInput = new MatmulInput(maxTokens, ffn);
        multiRow = new boolean[maxTokens];
        keysAndValues = new KvCache(1, 1, maxTokens, dim);
        attentionScratch = new Attention.Scratch[pool.threads()];
        for (int i = 0; i < attentionScratch.length; i++) attentionScratch[i] = new Attention.Scratch(config.headDim());
    }

    public BertConfig config() {
        return config;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /**
     * The pooled hidden state of one text (not normalised).
     *
     * @param tokens the text's tokens, {@code [CLS] ... [SEP]} included
     * @throws IllegalArgumentException when the text is empty, longer than {@link #maxTokens()}, or names a token
     *                                  outside the vocabulary
     */
    public float[] encode(int[] tokens) {
        int n = tokens.length;
        Embedding.requireFits(tokens, maxTokens, config.vocabSize());
        int dim = config.embeddingLength();
        Arrays.fill(multiRow, 0, n, n > 1);
        for (int i = 0; i < n; i++) {
            weights.tokenEmbedding().dequantizeRow(tokens[i], sum, i * dim);
            if (weights.tokenType() != null) Elementwise.add(sum, i * dim, weights.tokenType(), 0, dim);
            weights.positionEmbedding().dequantizeRow(i, q, i * dim);
            Elementwise.add(sum, i * dim, q, i * dim, dim);
            EncoderOps.layerNorm(sum, i * dim, weights.embeddingNorm(), weights.embeddingNormBias(), config.normEps(), x, i * dim, dim);
        }
        for (BertWeights.Layer layer : weights.layers()) {
            attention(layer, n);
            feedForward(layer, n);
        }
        return pool(n);
    }

    private void attention(BertWeights.Layer layer, int n) {
        int dim = config.embeddingLength();
        xInput.set(x, n, multiRow);
        multiply(layer.query(), xInput, q, layer.queryBias(), n);
        multiply(layer.key(), xInput, k, layer.keyBias(), n);
        multiply(layer.value(), xInput, v, layer.valueBias(), n);
        keysAndValues.clear(0);
        for (int i = 0; i < n; i++) {
            keysAndValues.reserve(0, i);
            keysAndValues.store(0, 0, i, k, i * dim, v, i * dim);
        }
        int heads = config.heads();
        int headDim = config.headDim();
        boolean tiled = n >= Attention.TILE && headDim % 16 == 0;
        pool.run(n * heads, (part, from, to) -> {
            for (int task = from; task < to; task++) {
                int i = task / heads;
                int h = task % heads;
                long first = keysAndValues.rowOffset(0, 0) + (long) h * headDim * Short.BYTES;
                // every query attends to every token of the text: no causal mask
                if (tiled) {
                    Attention.attendTiled(q, i * dim + h * headDim, headDim, keysAndValues.keys(0), keysAndValues.values(0), first,
                            keysAndValues.rowStride(), n, attentionScale, attended, i * dim + h * headDim, attentionScratch[part]);
                } else {
                    Attention.attend(q, i * dim + h * headDim, headDim, keysAndValues.keys(0), keysAndValues.values(0), first,
                            keysAndValues.rowStride(), n, attentionScale, attended, i * dim + h * headDim, attentionScratch[part]);
                }
            }
        });
        multiply(layer.attentionOutput(), attendedInput.set(attended, n, multiRow), sum, layer.attentionOutputBias(), n);
        Elementwise.add(sum, 0, x, 0, n * dim);
        for (int i = 0; i < n; i++) {
            EncoderOps.layerNorm(sum, i * dim, layer.attentionNorm(), layer.attentionNormBias(), config.normEps(), x, i * dim, dim);
        }
    }

    private void feedForward(BertWeights.Layer layer, int n) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        multiply(layer.up(), xInput.set(x, n, multiRow), up, layer.upBias(), n);
        EncoderOps.gelu(up, 0, n * ffn);
        multiply(layer.down(), upInput.set(up, n, multiRow), sum, layer.downBias(), n);
        Elementwise.add(sum, 0, x, 0, n * dim);
        for (int i = 0; i < n; i++) {
            EncoderOps.layerNorm(sum, i * dim, layer.outputNorm(), layer.outputNormBias(), config.normEps(), x, i * dim, dim);
        }
    }

    private float[] pool(int n) {
        int dim = config.embeddingLength();
        float[] pooled = new float[dim];
        switch (config.pooling()) {
            case MEAN -> {
                float weight = 1f / n;
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < dim; d++) pooled[d] += x[i * dim + d] * weight;
                }
            }
            case CLS -> System.arraycopy(x, 0, pooled, 0, dim);
            case LAST -> System.arraycopy(x, (n - 1) * dim, pooled, 0, dim);
            case NONE, RANK -> throw new IllegalStateException("pooling " + config.pooling() + " gives no single vector");
        }
        return pooled;
    }

    /** {@code out = W input + bias} for the first {@code n} input rows, the rows of W split across the pool. */
    private void multiply(Matrix w, MatmulInput input, float[] out, float[] bias, int n) {
        input.prepare(w.dotType());
        pool.run(w.rows(), (part, from, to) -> w.multiply(input, out, from, to));
        if (bias != null) {
            for (int b = 0; b < n; b++) Elementwise.add(out, b * w.rows(), bias, 0, w.rows());
        }
    }

    @Override
    public void close() {
        keysAndValues.close();
    }
}
