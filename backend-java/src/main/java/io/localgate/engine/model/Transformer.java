package io.localgate.engine.model;

import io.localgate.engine.kv.KvCache;
import io.localgate.engine.tensor.Attention;
import io.localgate.engine.tensor.Elementwise;
import io.localgate.engine.tensor.MatmulInput;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tensor.Rope;
import io.localgate.engine.tensor.WorkerPool;
import java.util.Arrays;

/**
 * The forward pass of a llama-style decoder (llama, qwen2) over a {@link Batch} of rows, as llama.cpp's
 * {@code llm_build_llama} / {@code llm_build_qwen2} graphs compute it:
 *
 * <pre>
 *   x = embedding[token]
 *   for each layer:
 *     h = rmsnorm(x) * attn_norm
 *     q, k, v = Wq h (+bq), Wk h (+bk), Wv h (+bv);  rope(q), rope(k);  cache k, v at (slot, position)
 *     x = x + Wo attention(q, cached k, v of the row's slot up to its position)
 *     h = rmsnorm(x) * ffn_norm
 *     x = x + Wdown (silu(Wgate h) * Wup h)
 *   logits = Woutput (rmsnorm(x) * output_norm)       only for rows that ask for them
 * </pre>
 *
 * Each weight matrix is streamed once per step for all rows. Buffers are sized once for
 * {@code maxRows} rows and {@code maxOutputs} logits rows. Not thread-safe: one caller (the model's
 * scheduler loop) at a time; the work inside a step is spread over the worker pool.
 */
public final class Transformer {

    /** Rows of one sequence that the tiled attention kernel serves together. */
    private static final int ROW_BLOCK = 16;

    private final ModelConfig config;
    private final ModelWeights weights;
    private final WorkerPool pool;
    private final Rope rope;
    private final float attentionScale;
    private final int maxRows;
    private final int maxOutputs;

    // activations, one row per batch row
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
    private final boolean[] tiledAttention;
    private int[] rowsPerSlot = new int[0];
    private final Attention.Scratch[] attentionScratch;
    // attention work of a step: blocks of rows of one sequence for the tiled kernel, single rows for the other
    private final int[] blockStart;
    private final int[] blockRows;
    private int blocks;
    private final int[] singleRows;
    private int singles;
    private final TiledQueries[] tiledQueries;
    private final Logits logits;

    public Transformer(ModelConfig config, ModelWeights weights, WorkerPool pool, int maxRows, int maxOutputs) {
        if (maxOutputs > maxRows) throw new IllegalArgumentException("maxOutputs " + maxOutputs + " > maxRows " + maxRows);
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        this.maxRows = maxRows;
        this.maxOutputs = maxOutputs;
        this.rope = new Rope(config.architecture().ropeStyle(), config.headDim(), config.ropeDims(),
                config.ropeFreqBase(), config.ropeFreqScale(), weights.ropeFreqFactors());
        this.attentionScale = 1f / (float) Math.sqrt(config.headDim());
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        x = new float[maxRows * dim];
        normed = new float[maxRows * dim];
        q = new float[maxRows * config.queryDim()];
        k = new float[maxRows * config.kvDim()];
        v = new float[maxRows * config.kvDim()];
        attended = new float[maxRows * config.queryDim()];
        projected = new float[maxRows * dim];
        gate = new float[maxRows * ffn];
        up = new float[maxRows * ffn];
        activated = new float[maxRows * ffn];
        ropeAngles = new float[maxRows * config.ropeDims()];
        normedInput = new MatmulInput(maxRows, dim);
        attendedInput = new MatmulInput(maxRows, config.queryDim());
        activatedInput = new MatmulInput(maxRows, ffn);
        multiRow = new boolean[maxRows];
        tiledAttention = new boolean[maxRows];
        int queriesPerBlock = ROW_BLOCK * config.heads() / config.kvHeads();
        attentionScratch = new Attention.Scratch[pool.threads()];
        tiledQueries = new TiledQueries[pool.threads()];
        for (int i = 0; i < attentionScratch.length; i++) {
            attentionScratch[i] = new Attention.Scratch(config.headDim(), queriesPerBlock);
            tiledQueries[i] = new TiledQueries(new int[queriesPerBlock], new int[queriesPerBlock]);
        }
        blockStart = new int[maxRows];
        blockRows = new int[maxRows];
        singleRows = new int[maxRows];
        logits = new Logits(maxOutputs, config.vocabSize());
    }

    public ModelConfig config() {
        return config;
    }

    public int maxRows() {
        return maxRows;
    }

    public int maxOutputs() {
        return maxOutputs;
    }

    /**
     * Runs every row of the batch through the model, storing keys and values in the cache.
     *
     * @return the logits of the rows that asked, valid until the next call
     */
    public Logits forward(Batch batch, KvCache cache) {
        int n = batch.size();
        check(batch, cache);
        int dim = config.embeddingLength();
        for (int i = 0; i < n; i++) {
            weights.tokenEmbedding().dequantizeRow(batch.token(i), x, i * dim);
            rope.angles(batch.position(i), ropeAngles, i * config.ropeDims());
            cache.reserve(batch.slot(i), batch.position(i));
        }
        if (rowsPerSlot.length != cache.slots()) rowsPerSlot = new int[cache.slots()];
        int rows = n;
        classifyRows(batch, rows, false);
        for (int l = 0; l < config.layers(); l++) {
            ModelWeights.Layer layer = weights.layers().get(l);
            attention(l, layer, batch, rows, cache);
            if (l == config.layers() - 1) {
                // only rows that want logits need the last feed-forward block (as llama.cpp's inp_out_ids)
                rows = keepOutputRows(batch);
                classifyRows(batch, rows, true);
            }
            if (rows > 0) feedForward(layer, rows);
        }
        int outputs = batch.outputs();
        logits.setRows(outputs);
        if (outputs == 0) return logits;
        for (int i = 0; i < outputs; i++) {
            Elementwise.rmsNorm(x, i * dim, weights.outputNorm(), config.rmsEps(), normed, i * dim, dim);
        }
        multiply(weights.output(), normedInput.set(normed, outputs, multiRow), logits.values(), null);
        return logits;
    }

    private void attention(int l, ModelWeights.Layer layer, Batch batch, int rows, KvCache cache) {
        int dim = config.embeddingLength();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        for (int i = 0; i < rows; i++) {
            Elementwise.rmsNorm(x, i * dim, layer.attentionNorm(), config.rmsEps(), normed, i * dim, dim);
        }
        normedInput.set(normed, rows, multiRow);
        multiply(layer.query(), normedInput, q, layer.queryBias());
        multiply(layer.key(), normedInput, k, layer.keyBias());
        multiply(layer.value(), normedInput, v, layer.valueBias());
        for (int i = 0; i < rows; i++) {
            rope.rotate(q, i * qDim, config.heads(), ropeAngles, i * config.ropeDims());
            rope.rotate(k, i * kvDim, config.kvHeads(), ropeAngles, i * config.ropeDims());
            cache.store(l, batch.slot(i), batch.position(i), k, i * kvDim, v, i * kvDim);
        }
        planAttention(batch, rows);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        int group = heads / kvHeads;
        int tiledTasks = blocks * kvHeads;
        pool.run(tiledTasks + singles * kvHeads, (part, from, to) -> {
            for (int task = from; task < to; task++) {
                if (task < tiledTasks) {
                    // the parts are contiguous ranges: alternate early (short) and late (long) blocks to even them out
                    int ordered = task % 2 == 0 ? task / 2 : tiledTasks - 1 - task / 2;
                    int b = ordered / kvHeads;
                    int kvHead = ordered % kvHeads;
                    TiledQueries queries = tiledQueries[part];
                    int n = 0;
                    for (int i = blockStart[b]; i < blockStart[b] + blockRows[b]; i++) {
                        for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                            queries.offsets()[n] = i * qDim + h * headDim;
                            queries.counts()[n] = batch.position(i) + 1;
                            n++;
                        }
                    }
                    long first = cache.rowOffset(batch.slot(blockStart[b]), 0) + (long) kvHead * headDim * Short.BYTES;
                    Attention.attendTiled(q, queries.offsets(), queries.counts(), n, headDim, cache.keys(l), cache.values(l),
                            first, cache.rowStride(), attentionScale, attended, queries.offsets(), attentionScratch[part]);
                } else {
                    int i = singleRows[(task - tiledTasks) / kvHeads];
                    int kvHead = (task - tiledTasks) % kvHeads;
                    long first = cache.rowOffset(batch.slot(i), 0) + (long) kvHead * headDim * Short.BYTES;
                    int offset = i * qDim + kvHead * group * headDim;
                    Attention.attendGroup(q, offset, group, headDim, cache.keys(l), cache.values(l), first, cache.rowStride(),
                            batch.position(i) + 1, attentionScale, attended, offset, attentionScratch[part]);
                }
            }
        });
        multiply(layer.attentionOutput(), attendedInput.set(attended, rows, multiRow), projected, layer.attentionOutputBias());
        Elementwise.add(x, 0, projected, 0, rows * dim);
    }

    private void feedForward(ModelWeights.Layer layer, int rows) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        for (int i = 0; i < rows; i++) {
            Elementwise.rmsNorm(x, i * dim, layer.feedForwardNorm(), config.rmsEps(), normed, i * dim, dim);
        }
        normedInput.set(normed, rows, multiRow);
        multiply(layer.gate(), normedInput, gate, null);
        multiply(layer.up(), normedInput, up, null);
        for (int i = 0; i < rows; i++) Elementwise.swiglu(gate, up, activated, i * ffn, ffn);
        multiply(layer.down(), activatedInput.set(activated, rows, multiRow), projected, null);
        Elementwise.add(x, 0, projected, 0, rows * dim);
    }

    /**
     * Flags each row by how many of the {@code rows} rows its sequence has, which decides the kernels
     * llama.cpp would use for that sequence alone: matrix-matrix products for more than one row, the
     * tiled attention for 64 or more (after {@link #keepOutputRows}, row {@code i} is output row {@code i}).
     */
    private void classifyRows(Batch batch, int rows, boolean outputsOnly) {
        Arrays.fill(rowsPerSlot, 0);
        for (int i = 0; i < rows; i++) rowsPerSlot[slotOf(batch, i, outputsOnly)]++;
        for (int i = 0; i < rows; i++) {
            int sequenceRows = rowsPerSlot[slotOf(batch, i, outputsOnly)];
            multiRow[i] = sequenceRows > 1;
            tiledAttention[i] = sequenceRows >= Attention.TILE && config.headDim() % 16 == 0;
        }
    }

    /**
     * Splits the rows into blocks for the tiled kernel (consecutive rows of one sequence, at most
     * {@link #ROW_BLOCK}, which share each converted tile of keys and values) and single rows.
     */
    private void planAttention(Batch batch, int rows) {
        blocks = 0;
        singles = 0;
        for (int i = 0; i < rows; i++) {
            if (!tiledAttention[i]) {
                singleRows[singles++] = i;
            } else if (blocks > 0 && blockStart[blocks - 1] + blockRows[blocks - 1] == i
                    && blockRows[blocks - 1] < ROW_BLOCK && batch.slot(blockStart[blocks - 1]) == batch.slot(i)) {
                blockRows[blocks - 1]++;
            } else {
                blockStart[blocks] = i;
                blockRows[blocks] = 1;
                blocks++;
            }
        }
    }

    /** Per-thread lists of the queries of one tiled block: offsets (of query and output alike) and counts. */
    private record TiledQueries(int[] offsets, int[] counts) {
    }

    private static int slotOf(Batch batch, int row, boolean outputsOnly) {
        return batch.slot(outputsOnly ? batch.outputRow(row) : row);
    }

    /** Moves the rows that want logits to the front, in output order; returns how many there are. */
    private int keepOutputRows(Batch batch) {
        int dim = config.embeddingLength();
        for (int o = 0; o < batch.outputs(); o++) {
            int row = batch.outputRow(o);
            if (row != o) System.arraycopy(x, row * dim, x, o * dim, dim);
        }
        return batch.outputs();
    }

    /** {@code out = W input (+ bias)} for every input row, the rows of W split across the pool. */
    private void multiply(Matrix w, MatmulInput input, float[] out, float[] bias) {
        input.prepare(w.dotType());
        pool.run(w.rows(), (part, from, to) -> w.multiply(input, out, from, to));
        if (bias != null) {
            for (int b = 0; b < input.rows(); b++) Elementwise.add(out, b * w.rows(), bias, 0, w.rows());
        }
    }

    private void check(Batch batch, KvCache cache) {
        if (batch.size() > maxRows) throw new IllegalArgumentException(batch.size() + " rows exceed the step size of " + maxRows);
        if (batch.outputs() > maxOutputs) {
            throw new IllegalArgumentException(batch.outputs() + " logits rows exceed the maximum of " + maxOutputs);
        }
        if (cache.layers() != config.layers() || cache.kvDim() != config.kvDim()) {
            throw new IllegalArgumentException("the KV cache does not fit this model");
        }
        for (int i = 0; i < batch.size(); i++) {
            int token = batch.token(i);
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + config.vocabSize());
            }
            if (batch.slot(i) < 0 || batch.slot(i) >= cache.slots()) {
                throw new IllegalArgumentException("slot " + batch.slot(i) + " does not exist (" + cache.slots() + " slots)");
            }
        }
    }
}
