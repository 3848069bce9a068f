package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * One weight row, decoded to floats once, against a batch of input rows in pairs
 * ({@link MatmulInput#q8PairQuarters()}), for the Q8_0-activation block types. The row comes as
 * {@code w}: per block 64 floats, its four {@link Simd#QUARTERS} quarters each twice (16 floats:
 * the eight weights in lanes 0-7 and again in 8-15), and {@code wd}: per block its F16 scale as a
 * float. Each input row's lanes, scales and sums are those of the one-row kernels: input row {@code b}'s
 * eight lanes (or block sum) end up at {@code lanes[8 * b]}.
 *
 * <p>Input rows go through in chunks, so that a chunk's activations stay in cache while the weight rows
 * stream past; each hot loop takes two weight rows and two pairs at most (a larger one exceeds what C2
 * inlines, and its vectors get boxed).
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
     * {@link Matrix#multiply} for {@code batch >= 2} input rows: weight rows two at a time, each decoded
     * once per chunk of input rows, then the eight lanes (or, with {@code blockSums}, the block sums) of
     * every input row.
     */
    static void multiply(RowDecoder decoder, boolean blockSums, MatmulInput input, float[] out, int rows, int cols, int rowFrom, int rowTo) {
        float[] xq = input.q8PairQuarters();
        float[] xd = input.q8PairScales();
        int batch = input.rows();
        int blocks = cols / Q8_0Matrix.BLOCK;
        int pairs = (batch + 1) / 2;
        float[] w0 = new float[64 * blocks];
        float[] w1 = new float[64 * blocks];
        float[] wd0 = new float[blocks];
        float[] wd1 = new float[blocks];
        float[] lanes0 = new float[16 * pairs];
        float[] lanes1 = new float[16 * pairs];
        for (int from = 0; from < pairs; from += CHUNK / 2) {
            int to = Math.min(pairs, from + CHUNK / 2);
            for (int r = rowFrom; r < rowTo; r += 2) {
                boolean two = r + 1 < rowTo;
                for (int i = 0; i < 2; i++) decoder.decode(two ? r + i : r, i == 0 ? w0 : w1, i == 0 ? wd0 : wd1); // one call site: C2 inlines it once
                for (int p = from; p < to; p += 2) {
                    int count = Math.min(2, to - p);
                    if (blockSums) blockSums(w0, wd0, w1, wd1, blocks, xq, xd, p, count, lanes0, lanes1);
                    else eightLanes(w0, wd0, w1, wd1, blocks, xq, xd, p, count, lanes0, lanes1);
                }
                for (int b = 2 * from; b < Math.min(batch, 2 * to); b++) {
                    out[b * rows + r] = blockSums ? lanes0[8 * b] : Simd.sum8(lanes0, 8 * b);
                    if (two) out[b * rows + r + 1] = blockSums ? lanes1[8 * b] : Simd.sum8(lanes1, 8 * b);
                }
            }
        }
    }

    /*
     * The kernels: two weight rows (w0, w1) against input pairs pair and, when count is 2, pair + 1, each
     * activation vector loaded once for both weight rows. A block's lanes for a weight row and a pair are
     * its four quarters' products, exact integers (four products below 2^14 per lane, in any order).
     * Everything stays in this one method: a helper taking or returning vectors, compiled alone, would
     * box them.
     */

    /**
     * ggml's eight float lanes per block ({@code vec_dot_q8_0_q8_0} and kin): each block's eight exact
     * integer lanes times both scales, fma'd into eight float lanes; {@link Simd#sum8} of them is the result.
     */
    private static void eightLanes(float[] w0, float[] wd0, float[] w1, float[] wd1, int blocks, float[] xq, float[] xd, int pair, int count, float[] lanes0, float[] lanes1) {
        FloatVector acc00 = FloatVector.zero(F16_LANES);
        FloatVector acc01 = acc00;
        FloatVector acc10 = acc00;
        FloatVector acc11 = acc00;
        for (int k = 0; k < blocks; k++) {
            FloatVector a0 = FloatVector.fromArray(F16_LANES, w0, 64 * k);
            FloatVector a1 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 16);
            FloatVector a2 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 32);
            FloatVector a3 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 48);
            FloatVector b0 = FloatVector.fromArray(F16_LANES, w1, 64 * k);
            FloatVector b1 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 16);
            FloatVector b2 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 32);
            FloatVector b3 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 48);
            FloatVector da = FloatVector.broadcast(F16_LANES, wd0[k]);
            FloatVector db = FloatVector.broadcast(F16_LANES, wd1[k]);
            int block = pair * blocks + k;
            FloatVector x0 = FloatVector.fromArray(F16_LANES, xq, 64 * block);
            FloatVector x1 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 16);
            FloatVector x2 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 32);
            FloatVector x3 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 48);
            FloatVector s = FloatVector.fromArray(F16_LANES, xd, 16 * block);
            acc00 = a3.fma(x3, a2.fma(x2, a1.fma(x1, a0.mul(x0)))).fma(da.mul(s), acc00);
            acc10 = b3.fma(x3, b2.fma(x2, b1.fma(x1, b0.mul(x0)))).fma(db.mul(s), acc10);
            if (count > 1) {
                block += blocks;
                x0 = FloatVector.fromArray(F16_LANES, xq, 64 * block);
                x1 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 16);
                x2 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 32);
                x3 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 48);
                s = FloatVector.fromArray(F16_LANES, xd, 16 * block);
                acc01 = a3.fma(x3, a2.fma(x2, a1.fma(x1, a0.mul(x0)))).fma(da.mul(s), acc01);
                acc11 = b3.fma(x3, b2.fma(x2, b1.fma(x1, b0.mul(x0)))).fma(db.mul(s), acc11);
            }
        }
        acc00.intoArray(lanes0, 16 * pair);
        acc10.intoArray(lanes1, 16 * pair);
        if (count > 1) {
            acc01.intoArray(lanes0, 16 * pair + 16);
            acc11.intoArray(lanes1, 16 * pair + 16);
        }
    }

    /**
     * llama.cpp's repacked gemv/gemm kernels: each block's whole integer sum times both scales, fma'd into
     * one float in order; every lane of input row {@code b}'s eight holds it.
     */
    private static void blockSums(float[] w0, float[] wd0, float[] w1, float[] wd1, int blocks, float[] xq, float[] xd, int pair, int count, float[] lanes0, float[] lanes1) {
        FloatVector acc00 = FloatVector.zero(F16_LANES);
        FloatVector acc01 = acc00;
        FloatVector acc10 = acc00;
        FloatVector acc11 = acc00;
        for (int k = 0; k < blocks; k++) {
            FloatVector a0 = FloatVector.fromArray(F16_LANES, w0, 64 * k);
            FloatVector a1 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 16);
            FloatVector a2 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 32);
            FloatVector a3 = FloatVector.fromArray(F16_LANES, w0, 64 * k + 48);
            FloatVector b0 = FloatVector.fromArray(F16_LANES, w1, 64 * k);
            FloatVector b1 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 16);
            FloatVector b2 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 32);
            FloatVector b3 = FloatVector.fromArray(F16_LANES, w1, 64 * k + 48);
            FloatVector da = FloatVector.broadcast(F16_LANES, wd0[k]);
            FloatVector db = FloatVector.broadcast(F16_LANES, wd1[k]);
            int block = pair * blocks + k;
            FloatVector x0 = FloatVector.fromArray(F16_LANES, xq, 64 * block);
            FloatVector x1 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 16);
            FloatVector x2 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 32);
            FloatVector x3 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 48);
            FloatVector s = FloatVector.fromArray(F16_LANES, xd, 16 * block);
            FloatVector p = a3.fma(x3, a2.fma(x2, a1.fma(x1, a0.mul(x0))));
            p = p.add(p.rearrange(Simd.XOR4));
            p = p.add(p.rearrange(Simd.XOR2));
            acc00 = p.add(p.rearrange(Simd.XOR1)).fma(da.mul(s), acc00);
            p = b3.fma(x3, b2.fma(x2, b1.fma(x1, b0.mul(x0))));
            p = p.add(p.rearrange(Simd.XOR4));
            p = p.add(p.rearrange(Simd.XOR2));
            acc10 = p.add(p.rearrange(Simd.XOR1)).fma(db.mul(s), acc10);
            if (count > 1) {
                block += blocks;
                x0 = FloatVector.fromArray(F16_LANES, xq, 64 * block);
                x1 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 16);
                x2 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 32);
                x3 = FloatVector.fromArray(F16_LANES, xq, 64 * block + 48);
                s = FloatVector.fromArray(F16_LANES, xd, 16 * block);
                p = a3.fma(x3, a2.fma(x2, a1.fma(x1, a0.mul(x0))));
                p = p.add(p.rearrange(Simd.XOR4));
                p = p.add(p.rearrange(Simd.XOR2));
                acc01 = p.add(p.rearrange(Simd.XOR1)).fma(da.mul(s), acc01);
                p = b3.fma(x3, b2.fma(x2, b1.fma(x1, b0.mul(x0))));
                p = p.add(p.rearrange(Simd.XOR4));
                p = p.add(p.rearrange(Simd.XOR2));
                acc11 = p.add(p.rearrange(Simd.XOR1)).fma(db.mul(s), acc11);
            }
        }
        acc00.intoArray(lanes0, 16 * pair);
        acc10.intoArray(lanes1, 16 * pair);
        if (count > 1) {
            acc01.intoArray(lanes0, 16 * pair + 16);
            acc11.intoArray(lanes1, 16 * pair + 16);
        }
    }

    /**
     * For the types with block offsets (Q4_1, Q5_1: {@code m} as F16 at byte 2 of each block): adds to the
     * products of rows {@code rowFrom..rowTo-1} with each input row the running sum of the blocks' {@code m}
     * times Q8_1's {@code s}, as their one-row kernels do.
     */
    static void addOffsets(MemorySegment data, int blockBytes, MatmulInput input, float[] out, int rows, int cols, int rowFrom, int rowTo) {
        float[] xs = input.q8Sums();
        int batch = input.rows();
        int blocks = cols / Q8_0Matrix.BLOCK;
        float[] m = new float[blocks];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * blockBytes;
            for (int k = 0; k < blocks; k++) m[k] = HalfFloat.f16ToF32(data.get(Simd.SHORT, rowOffset + (long) k * blockBytes + 2));
            for (int b = 0; b < batch; b++) {
                float offsets = 0f;
                for (int k = 0; k < blocks; k++) offsets = Math.fma(m[k], xs[b * blocks + k], offsets);
                out[b * rows + r] += offsets;
            }
        }
    }
}
