package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;

import jdk.incubator.vector.FloatVector;

/**
 * One weight row, decoded to floats once, against a batch of input rows in pairs
 * ({@link MatmulInput#q8PairQuarters()}), for the Q8_0-activation block types. The row comes as
 * {@code w}: per block 64 floats, its four {@link Simd#QUARTERS} quarters each twice (16 floats:
 * the eight weights in lanes 0-7 and again in 8-15), and {@code wd}: per block its F16 scale as a
 * float. Each input row's lanes, scales and sums are those of the one-row kernels: input row {@code b}'s
 * eight lanes (or block sum) end up at {@code lanes[8 * b]}.
 *
 * <p>Rows go through in chunks, so that a chunk's activations stay in cache while the weight rows
 * stream past; each hot loop takes two pairs at most (a larger one exceeds what C2 inlines, and its
 * vectors get boxed).
 */
final class PairKernels {

    /** Input rows per chunk. */
    static final int CHUNK = 16;

    private PairKernels() {
    }

    /** Decodes weight row {@code row} into {@code w} and {@code wd} (see the class comment). */
    @FunctionalInterface
    interface RowDecoder {
        void decode(int row, float[] w, float[] wd);
    }

    /**
     * {@link Matrix#multiply} for {@code batch >= 2} input rows: each weight row decoded once per chunk
     * of input rows, then the eight lanes (or, with {@code blockSums}, the block sums) of every row.
     */
    static void multiply(RowDecoder decoder, boolean blockSums, MatmulInput input, float[] out, int rows, int cols, int rowFrom, int rowTo) {
        float[] xq = input.q8PairQuarters();
        float[] xd = input.q8PairScales();
        int batch = input.rows();
        int blocks = cols / Q8_0Matrix.BLOCK;
        int pairs = (batch + 1) / 2;
        float[] w = new float[64 * blocks];
        float[] wd = new float[blocks];
        float[] lanes = new float[16 * pairs];
        for (int from = 0; from < pairs; from += CHUNK / 2) {
            int to = Math.min(pairs, from + CHUNK / 2);
            for (int r = rowFrom; r < rowTo; r++) {
                decoder.decode(r, w, wd);
                if (blockSums) blockSums(w, wd, blocks, xq, xd, from, to, lanes);
                else eightLanes(w, wd, blocks, xq, xd, from, to, lanes);
                for (int b = 2 * from; b < Math.min(batch, 2 * to); b++) {
                    out[b * rows + r] = blockSums ? lanes[8 * b] : Simd.sum8(lanes, 8 * b);
                }
            }
        }
    }

    /**
     * ggml's eight float lanes per block ({@code vec_dot_q8_0_q8_0} and kin): each block's eight exact
     * integer lanes times both scales, fma'd into eight float lanes; {@link Simd#sum8} of them is the result.
     */
    static void eightLanes(float[] w, float[] wd, int blocks, float[] xq, float[] xd, int pairFrom, int pairTo, float[] lanes) {
        for (int p = pairFrom; p < pairTo; p += 2) eightLanesOfPairs(w, wd, blocks, xq, xd, p, Math.min(2, pairTo - p), lanes);
    }

    private static void eightLanesOfPairs(float[] w, float[] wd, int blocks, float[] xq, float[] xd, int pair, int count, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F16_LANES);
        FloatVector acc1 = acc0;
        for (int k = 0; k < blocks; k++) {
            FloatVector w0 = FloatVector.fromArray(F16_LANES, w, 64 * k);
            FloatVector w1 = FloatVector.fromArray(F16_LANES, w, 64 * k + 16);
            FloatVector w2 = FloatVector.fromArray(F16_LANES, w, 64 * k + 32);
            FloatVector w3 = FloatVector.fromArray(F16_LANES, w, 64 * k + 48);
            FloatVector d = FloatVector.broadcast(F16_LANES, wd[k]);
            int block = pair * blocks + k;
            acc0 = Simd.pairLanes(w0, w1, w2, w3, xq, 64 * block).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), acc0);
            if (count > 1) {
                block += blocks;
                acc1 = Simd.pairLanes(w0, w1, w2, w3, xq, 64 * block).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), acc1);
            }
        }
        acc0.intoArray(lanes, 16 * pair);
        if (count > 1) acc1.intoArray(lanes, 16 * pair + 16);
    }

    /**
     * llama.cpp's repacked gemv/gemm kernels: each block's whole integer sum times both scales, fma'd into
     * one float in order; every lane of input row {@code b}'s eight holds it.
     */
    static void blockSums(float[] w, float[] wd, int blocks, float[] xq, float[] xd, int pairFrom, int pairTo, float[] lanes) {
        for (int p = pairFrom; p < pairTo; p += 2) blockSumsOfPairs(w, wd, blocks, xq, xd, p, Math.min(2, pairTo - p), lanes);
    }

    private static void blockSumsOfPairs(float[] w, float[] wd, int blocks, float[] xq, float[] xd, int pair, int count, float[] lanes) {
        FloatVector sum0 = FloatVector.zero(F16_LANES);
        FloatVector sum1 = sum0;
        for (int k = 0; k < blocks; k++) {
            FloatVector w0 = FloatVector.fromArray(F16_LANES, w, 64 * k);
            FloatVector w1 = FloatVector.fromArray(F16_LANES, w, 64 * k + 16);
            FloatVector w2 = FloatVector.fromArray(F16_LANES, w, 64 * k + 32);
            FloatVector w3 = FloatVector.fromArray(F16_LANES, w, 64 * k + 48);
            FloatVector d = FloatVector.broadcast(F16_LANES, wd[k]);
            int block = pair * blocks + k;
            sum0 = Simd.pairBlockSums(Simd.pairLanes(w0, w1, w2, w3, xq, 64 * block)).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), sum0);
            if (count > 1) {
                block += blocks;
                sum1 = Simd.pairBlockSums(Simd.pairLanes(w0, w1, w2, w3, xq, 64 * block)).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), sum1);
            }
        }
        sum0.intoArray(lanes, 16 * pair);
        if (count > 1) sum1.intoArray(lanes, 16 * pair + 16);
    }
}
