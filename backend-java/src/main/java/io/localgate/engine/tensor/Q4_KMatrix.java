package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q4_K weights: superblocks of 256 (144 bytes: F16 {@code d} and {@code dmin}, 12 bytes of eight 6-bit
 * scales and mins, 128 bytes of nibbles); element {@code i} of sub-block {@code s} is
 * {@code d * scale_s * q - dmin * min_s}. Each 64 elements share 32 bytes: low nibbles first, high nibbles
 * next. Activations are quantized to Q8_K; the scaled integer sums and the mins against the activations'
 * sums are exact integers, scaled as ggml's kernels scale them.
 */
public record Q4_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 144;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    /**
     * llama.cpp repacks Q4_K matrices whose row count is a multiple of 8 and multiplies groups of four input
     * rows with its gemm kernel, which scales every 64 elements, and the rows left over with its gemv kernel,
     * which scales each superblock once; other matrices go through AVX2 {@code vec_dot_q4_K_q8_K}, eight
     * integer lanes scaled into eight float lanes and the mins in four. All three are followed here; the
     * integer sums are the same in each. For the gemm, weight rows are taken in chunks that stay in cache
     * and each superblock is unpacked once for the group's four rows.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        int batch = input.rows();
        int inGroupsOfFour = batch - batch % 4;
        if (rows % 8 != 0) {
            multiplyInLanes(input, out, rowFrom, rowTo);
            return;
        }
        if (inGroupsOfFour > 0) multiplyGroupsOfFour(input, out, rowFrom, rowTo, inGroupsOfFour);
        if (inGroupsOfFour < batch) multiplyEach(input, out, rowFrom, rowTo, inGroupsOfFour);
    }

    /*
     * The paths are apart, and the mins are scalar where vectors are busy, so that each loop C2 compiles
     * holds few enough vector operations to inline them all (past a node count that a few dozen vector
     * operations reach, it stops inlining, and a vector crossing a call is boxed).
     */

    private void multiplyInLanes(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] xq = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int blocks = cols / QK_K;
        for (int r = rowFrom; r < rowTo; r++) {
            for (int b = 0; b < input.rows(); b++) out[b * rows + r] = dotInLanes((long) r * blocks * BLOCK_BYTES, blocks, xq, xd, xs, b * blocks);
        }
    }

    /** The gemm for input rows {@code 0..groupsEnd-1}, four at a time. */
    private void multiplyGroupsOfFour(MatmulInput input, float[] out, int rowFrom, int rowTo, int groupsEnd) {
        float[] x = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        int blocks = cols / QK_K;
        int[] pairSums = pairSums(input.q8kSums(), groupsEnd * blocks);
        float[] weights = new float[QK_K];
        float[] vectors = new float[256];
        float[] sums = new float[16];
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROWS_PER_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROWS_PER_CHUNK);
            for (int b = 0; b < groupsEnd; b += 4) {
                for (int r = chunk; r < chunkEnd; r++) dotEach64(r, blocks, x, xd, pairSums, b, out, weights, vectors, sums);
            }
        }
    }

    /** The activation sums of each 32 elements (Q8_K's sums of 16 in pairs) for {@code superblocks} superblocks. */
    private static int[] pairSums(short[] xs, int superblocks) {
        int[] pairs = new int[superblocks * 8];
        for (int i = 0; i < pairs.length; i++) pairs[i] = xs[2 * i] + xs[2 * i + 1];
        return pairs;
    }

    /** The gemv for input rows {@code from..} (those after the groups of four). */
    private void multiplyEach(MatmulInput input, float[] out, int rowFrom, int rowTo, int from) {
        float[] x = input.q8kAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int blocks = cols / QK_K;
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROWS_PER_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROWS_PER_CHUNK);
            for (int b = from; b < input.rows(); b++) {
                for (int r = chunk; r < chunkEnd; r++) out[b * rows + r] = dot((long) r * blocks * BLOCK_BYTES, blocks, x, xd, xs, b * blocks);
            }
        }
    }

    /** Weight rows per chunk for batches: their superblocks stay in cache while every input row passes. */
    private static final int ROWS_PER_CHUNK = 16;

    /*
     * The integer sums are taken in float lanes, weights regrouped as the activations are (each 32 by
     * Simd.QUARTERS, see QuantBlocks.products), exact: a lane adds a nibble (<= 15)
     * times its 6-bit scale (<= 63) times a quant (|q| <= 127) for each 16 elements of a superblock, at
     * most 16 * 15 * 63 * 127 < 2^21; they become ints before the lanes are summed.
     */

    /** The repacked gemv kernel: each superblock's integer sums scaled once. */
    private float dot(long rowOffset, int blocks, float[] x, float[] xd, short[] xs, int xBlock) {
        float sum = 0f;
        float mins = 0f;
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float yd = xd[xBlock + k];
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            sum = Math.fma(superblockSum(offset, x, xBase, scales), HalfFloat.f16ToF32(data.get(SHORT, offset)) * yd, sum);
            mins = Math.fma(QuantBlocks.minsTimesSums(scales, xs, xBase / 16, 0, 8), HalfFloat.f16ToF32(data.get(SHORT, offset + 2)) * yd, mins);
        }
        return sum - mins;
    }

    /**
     * The superblock's eight sub-blocks times their scales, against the activations in element order (a
     * whole-superblock sum, so no regrouping): sub-block 2t is the low nibbles of bytes 32t..32t+31, 2t + 1
     * their high nibbles.
     */
    private int superblockSum(long offset, float[] x, int xBase, int[] scales) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int t = 0; t < 4; t++) {
            ByteVector packed = QuantBlocks.bytes(data, offset + 16 + 32L * t);
            int xt = xBase + 64 * t;
            FloatVector low = QuantBlocks.products(QuantBlocks.lowNibbles(packed), QuantBlocks.at(x, xt), QuantBlocks.at(x, xt + 16));
            FloatVector high = QuantBlocks.products(QuantBlocks.highNibbles(packed), QuantBlocks.at(x, xt + 32), QuantBlocks.at(x, xt + 48));
            acc = low.fma(FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t)), acc);
            acc = high.fma(FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t + 1)), acc);
        }
        return QuantBlocks.sum(acc);
    }

    /**
     * The repacked gemm kernel for input rows {@code b..b+3}: the integer sums of every 64 elements scaled.
     * Each superblock is unpacked once into scaled floats that the four rows read; the 16 sums of a
     * superblock (four rows, four runs of 64) are summed across their lanes at once ({@link SixteenSums}).
     */
    private void dotEach64(int r, int blocks, float[] x, float[] xd, int[] pairSums, int b, float[] out, float[] weights, float[] vectors, float[] sums) {
        long rowOffset = (long) r * blocks * BLOCK_BYTES;
        int[] scales = new int[4];
        int[] minsOf = new int[8];
        float[] sum = new float[4];
        float[] mins = new float[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, offset));
            float dmin = HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            unpack(offset, scales, weights);
            for (int i = 0; i < 4; i++) productsEach64(weights, x, ((b + i) * blocks + k) * QK_K, vectors, 64 * i);
            SixteenSums.of(vectors, sums);
            for (int s = 0; s < 8; s++) minsOf[s] = QuantBlocks.byteOf(scales, 2, s);
            for (int i = 0; i < 4; i++) {
                int xBlock = (b + i) * blocks + k;
                float dy = d * xd[xBlock];
                float dminY = dmin * xd[xBlock];
                float rowSum = sum[i];
                float rowMins = mins[i];
                for (int t = 0; t < 4; t++) {
                    rowSum = Math.fma(sums[SixteenSums.LANE_OF[4 * i + t]], dy, rowSum);
                    int p = 8 * xBlock + 2 * t;
                    rowMins = Math.fma(minsOf[2 * t] * pairSums[p] + minsOf[2 * t + 1] * pairSums[p + 1], dminY, rowMins);
                }
                sum[i] = rowSum;
                mins[i] = rowMins;
            }
        }
        for (int i = 0; i < 4; i++) out[(b + i) * rows + r] = sum[i] - mins[i];
    }

    /** The superblock's 256 nibbles times their sub-block's scale, as floats, each 32 {@link Simd#QUARTERS} regrouped. */
    private void unpack(long offset, int[] scales, float[] weights) {
        for (int t = 0; t < 4; t++) {
            ByteVector packed = QuantBlocks.bytes(data, offset + 16 + 32L * t).rearrange(Simd.QUARTERS);
            ByteVector low = QuantBlocks.lowNibbles(packed);
            ByteVector high = QuantBlocks.highNibbles(packed);
            FloatVector lowScale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t));
            FloatVector highScale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t + 1));
            QuantBlocks.floatsOfPart0(low).mul(lowScale).intoArray(weights, 64 * t);
            QuantBlocks.floatsOfPart1(low).mul(lowScale).intoArray(weights, 64 * t + 16);
            QuantBlocks.floatsOfPart0(high).mul(highScale).intoArray(weights, 64 * t + 32);
            QuantBlocks.floatsOfPart1(high).mul(highScale).intoArray(weights, 64 * t + 48);
        }
    }

    /** The products of each 64 {@link #unpack}ed weights with the activations at {@code xBase}, in 16 lanes, into {@code vectors[at..at+63]}. */
    private static void productsEach64(float[] weights, float[] x, int xBase, float[] vectors, int at) {
        for (int t = 0; t < 4; t++) {
            int w = 64 * t;
            FloatVector acc = FloatVector.fromArray(F16_LANES, weights, w).mul(FloatVector.fromArray(F16_LANES, x, xBase + w));
            acc = FloatVector.fromArray(F16_LANES, weights, w + 16).fma(FloatVector.fromArray(F16_LANES, x, xBase + w + 16), acc);
            acc = FloatVector.fromArray(F16_LANES, weights, w + 32).fma(FloatVector.fromArray(F16_LANES, x, xBase + w + 32), acc);
            FloatVector.fromArray(F16_LANES, weights, w + 48).fma(FloatVector.fromArray(F16_LANES, x, xBase + w + 48), acc).intoArray(vectors, at + 16 * t);
        }
    }

    /** AVX2 {@code vec_dot_q4_K_q8_K}: eight integer lanes per superblock, scaled into eight float lanes; the mins in four. */
    private float dotInLanes(long rowOffset, int blocks, float[] xq, float[] xd, short[] xs, int xBlock) {
        float[] lanes = new float[16];
        float[] minLanes = new float[4];
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset));
            float dmin = -xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            for (int t = 0; t < 4; t++) minLanes[t] = Math.fma(dmin, QuantBlocks.minsTimesSums(scales, xs, xBase / 16, 2 * t, 2 * t + 2), minLanes[t]);
            addSuperblockLanes(offset, xq, xBase, scales, d, lanes);
        }
        return Simd.sum8(FloatVector.fromArray(F8_LANES, lanes, 0)) + ((minLanes[0] + minLanes[2]) + (minLanes[1] + minLanes[3]));
    }

    /*
     * For vec_dot's lanes, a superblock's sub-blocks times their scales, summed exactly in 16 float lanes
     * in QuantBlocks.products's order: sub-block 2t is the low nibbles of bytes 32t..32t+31, 2t + 1 their
     * high nibbles.
     */

    /** All eight sub-blocks: {@code d} times their eight lanes added to {@code lanes}. */
    private void addSuperblockLanes(long offset, float[] xq, int xBase, int[] scales, float d, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int t = 0; t < 4; t++) {
            ByteVector packed = QuantBlocks.bytes(data, offset + 16 + 32L * t).rearrange(Simd.QUARTERS);
            FloatVector low = QuantBlocks.products(QuantBlocks.lowNibbles(packed), QuantBlocks.at(xq, xBase + 64 * t), QuantBlocks.at(xq, xBase + 64 * t + 16));
            FloatVector high = QuantBlocks.products(QuantBlocks.highNibbles(packed), QuantBlocks.at(xq, xBase + 64 * t + 32), QuantBlocks.at(xq, xBase + 64 * t + 48));
            acc = low.fma(FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t)), acc);
            acc = high.fma(FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t + 1)), acc);
        }
        QuantBlocks.asFloats(QuantBlocks.eightLanesTwice(acc)).fma(FloatVector.broadcast(F16_LANES, d), QuantBlocks.at(lanes, 0)).intoArray(lanes, 0);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / QK_K;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        int y = offset;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block));
            float min = HalfFloat.f16ToF32(data.get(SHORT, block + 2));
            for (int j = 0; j < 4; j++) {
                float d1 = d * QuantBlocks.scaleMinK4(data, block + 4, 2 * j, false);
                float m1 = min * QuantBlocks.scaleMinK4(data, block + 4, 2 * j, true);
                float d2 = d * QuantBlocks.scaleMinK4(data, block + 4, 2 * j + 1, false);
                float m2 = min * QuantBlocks.scaleMinK4(data, block + 4, 2 * j + 1, true);
                long q = block + 16 + 32L * j;
                for (int l = 0; l < 32; l++) out[y++] = d1 * (QuantBlocks.byteAt(data, q + l) & 0x0F) - m1;
                for (int l = 0; l < 32; l++) out[y++] = d2 * (QuantBlocks.byteAt(data, q + l) >>> 4) - m2;
            }
        }
    }
}
