package io.localgate.engine.model;

import io.localgate.backend.Embedding;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.tensor.Attention;
import io.localgate.engine.tensor.Elementwise;
import io.localgate.engine.tensor.MatmulInput;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tensor.Rope;
import io.localgate.engine.tensor.WorkerPool;
import java.util.Arrays;

/**
 * A decoder's text embedding, as llama.cpp makes it with {@code --embeddings --pooling mean}: the text runs
 * through the llama/qwen2 layers as one causal prompt (the same numerics as {@link Transformer}), and the
 * last hidden states after the output norm are averaged over the tokens. The vocabulary projection is
 * skipped. It has its own KV cache and compute threads, so it never disturbs the model's generations.
 * One caller at a time.
 */
public final class DecoderEmbedder implements AutoCloseable {

    private final ModelConfig config;
    private final ModelWeights weights;
    private final WorkerPool pool;
    private final KvCache cache;
    private final Rope rope;
    private final float attentionScale;
    private final int maxTokens;
    private final int chunk;

    private final float[] x;
    private final float[] normed;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] attended;
    private final float[] projected;
    private final float[] gate;
    private final float[] up;
    private final float[] activated;
    private final float[] ropeAngles;
    private final MatmulInput normedInput;
    private final MatmulInput attendedInput;
    private final MatmulInput activatedInput;
    private final boolean[] multiRow;
    private final Attention.Scratch[] attentionScratch;

    /**
     * @param pool      compute threads of its own (a pool takes one caller at a time)
     * @param maxTokens the longest text
     * @param chunk     the most rows of one forward step (a longer text is run in steps, as a prompt is)
     */
    public DecoderEmbedder(ModelConfig config, ModelWeights weights, WorkerPool pool, int maxTokens, int chunk) {
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        this.maxTokens = maxTokens;
        this.chunk = Math.min(chunk, maxTokens);
        this.cache = new KvCache(config.layers(), 1, maxTokens, config.kvDim());
        this.rope = new Rope(config.architecture().ropeStyle(), config.headDim(), config.ropeDims(),
                config.ropeFreqBase(), config.ropeFreqScale(), weights.ropeFreqFactors());
        this.attentionScale = 1f / (float) Math.sqrt(config.headDim());
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        int rows = this.chunk;
        x = new float[rows * dim];
        normed = new float[rows * dim];
        q = new float[rows * config.queryDim()];
        k = new float[rows * config.kvDim()];
        v = new float[rows * config.kvDim()];
        attended = new float[rows * config.queryDim()];
        projected = new float[rows * dim];
        gate = new float[rows * ffn];
        up = new float[rows * ffn];
        activated = new float[rows * ffn];
        ropeAngles = new float[rows * config.ropeDims()];
        normedInput = new MatmulInput(rows, dim);
        attendedInput = new MatmulInput(rows, config.queryDim());
        activatedInput = new MatmulInput(rows, ffn);
        multiRow = new boolean[rows];
        attentionScratch = new Attention.Scratch[pool.threads()];
        for (int i = 0; i < attentionScratch.length; i++) attentionScratch[i] = new Attention.Scratch(config.headDim());
    }

    /**
     * The mean of the text's last hidden states after the output norm (not normalised).
     *
     * @throws IllegalArgumentException when the text is empty, longer than the context, or names a token outside
     *                                  the vocabulary
     */
    public synchronized float[] embed(int[] tokens) {
        Embedding.requireFits(tokens, maxTokens, config.vocabSize());
        int n = tokens.length;
        int dim = config.embeddingLength();
        float[] pooled = new float[dim];
        float weight = 1f / n;
        cache.clear(0);
        for (int start = 0; start < n; start += chunk) {
            int rows = Math.min(chunk, n - start);
            Arrays.fill(multiRow, 0, rows, rows > 1);
            for (int i = 0; i < rows; i++) {
                weights.tokenEmbedding().dequantizeRow(tokens[start + i], x, i * dim);
                rope.angles(start + i, ropeAngles, i * config.ropeDims());
                cache.reserve(0, start + i);
            }
            for (int l = 0; l < config.layers(); l++) {
                ModelWeights.Layer layer = weights.layers().get(l);
                attention(l, layer, rows, start);
                feedForward(layer, rows);
            }
            for (int i = 0; i < rows; i++) {
                Elementwise.rmsNorm(x, i * dim, weights.outputNorm(), config.rmsEps(), normed, i * dim, dim);
                for (int d = 0; d < dim; d++) pooled[d] += normed[i * dim + d] * weight;
            }
        }
        return pooled;
    }

    /** The {@code n} rows are the positions {@code start ..}; each sees the text up to itself. */
    private void attention(int l, ModelWeights.Layer layer, int n, int start) {
        int dim = config.embeddingLength();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        for (int i = 0; i < n; i++) Elementwise.rmsNorm(x, i * dim, layer.attentionNorm(), config.rmsEps(), normed, i * dim, dim);
        normedInput.set(normed, n, multiRow);
        multiply(layer.query(), normedInput, q, layer.queryBias(), n);
        multiply(layer.key(), normedInput, k, layer.keyBias(), n);
        multiply(layer.value(), normedInput, v, layer.valueBias(), n);
        for (int i = 0; i < n; i++) {
            rope.rotate(q, i * qDim, config.heads(), ropeAngles, i * config.ropeDims());
            rope.rotate(k, i * kvDim, config.kvHeads(), ropeAngles, i * config.ropeDims());
            cache.store(l, 0, start + i, k, i * kvDim, v, i * kvDim);
        }
        int heads = config.heads();
        int headDim = config.headDim();
        int group = heads / config.kvHeads();
        boolean tiled = n >= Attention.TILE && headDim % 16 == 0;
        pool.run(n * heads, (part, from, to) -> {
            for (int task = from; task < to; task++) {
                int i = task / heads;
                int h = task % heads;
                long first = cache.rowOffset(0, 0) + (long) (h / group) * headDim * Short.BYTES;
                if (tiled) {
                    Attention.attendTiled(q, i * qDim + h * headDim, headDim, cache.keys(l), cache.values(l), first, cache.rowStride(),
                            start + i + 1, attentionScale, attended, i * qDim + h * headDim, attentionScratch[part]);
                } else {
                    Attention.attend(q, i * qDim + h * headDim, headDim, cache.keys(l), cache.values(l), first, cache.rowStride(),
                            start + i + 1, attentionScale, attended, i * qDim + h * headDim, attentionScratch[part]);
                }
            }
        });
        multiply(layer.attentionOutput(), attendedInput.set(attended, n, multiRow), projected, layer.attentionOutputBias(), n);
        Elementwise.add(x, 0, projected, 0, n * dim);
    }

    private void feedForward(ModelWeights.Layer layer, int n) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        for (int i = 0; i < n; i++) Elementwise.rmsNorm(x, i * dim, layer.feedForwardNorm(), config.rmsEps(), normed, i * dim, dim);
        normedInput.set(normed, n, multiRow);
        multiply(layer.gate(), normedInput, gate, null, n);
        multiply(layer.up(), normedInput, up, null, n);
        for (int i = 0; i < n; i++) Elementwise.swiglu(gate, up, activated, i * ffn, ffn);
        multiply(layer.down(), activatedInput.set(activated, n, multiRow), projected, null, n);
        Elementwise.add(x, 0, projected, 0, n * dim);
    }

    private void multiply(Matrix w, MatmulInput input, float[] out, float[] bias, int n) {
        input.prepare(w.dotType());
        pool.run(w.rows(), (part, from, to) -> w.multiply(input, out, from, to));
        if (bias != null) {
            for (int b = 0; b < n; b++) Elementwise.add(out, b * w.rows(), bias, 0, w.rows());
        }
    }

    @Override
    public synchronized void close() {
        pool.close();
        cache.close();
    }
}
