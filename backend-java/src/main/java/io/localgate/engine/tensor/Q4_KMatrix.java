package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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

    /**
     * The gemm for input rows {@code 0..groupsEnd-1}, four at a time. Input rows go in chunks of 16 that
     * stay in cache; weight rows two at a time, each unpacked once per chunk into scaled floats, then
     * multiplied with every group of four input rows of the chunk, each loaded vector used twice or four
     * times.
     */
    private void multiplyGroupsOfFour(MatmulInput input, float[] out, int rowFrom, int rowTo, int groupsEnd) {
        float[] x = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        int blocks = cols / QK_K;
        float[] xdByBlock = new float[blocks * groupsEnd];
        int[] pairSums = new int[blocks * 8 * groupsEnd];
        short[] xs = input.q8kSums();
        for (int b = 0; b < groupsEnd; b++) {
            for (int k = 0; k < blocks; k++) {
                xdByBlock[k * groupsEnd + b] = xd[b * blocks + k];
                for (int s = 0; s < 8; s++) pairSums[(k * 8 + s) * groupsEnd + b] = xs[(b * blocks + k) * 16 + 2 * s] + xs[(b * blocks + k) * 16 + 2 * s + 1];
            }
        }
        var first = new UnpackedRow(cols);
        var second = new UnpackedRow(cols);
        float[] vectors = new float[512];
        float[] sums = new float[16];
        for (int from = 0; from < groupsEnd; from += 16) {
            int to = Math.min(groupsEnd, from + 16);
            for (int r = rowFrom; r < rowTo; r += 2) {
                boolean two = r + 1 < rowTo;
                first.unpack(this, r);
                second.unpack(this, two ? r + 1 : r);
                for (int b = from; b < to; b += 4) {
                    dotEach64(first, second, blocks, x, xdByBlock, pairSums, groupsEnd, b, vectors, sums);
                    for (int i = 0; i < 4; i++) {
                        out[(b + i) * rows + r] = first.sum[i] - first.minSums[i];
                        if (two) out[(b + i) * rows + r + 1] = second.sum[i] - second.minSums[i];
                    }
                }
            }
        }
    }

    /** A weight row unpacked for the gemm: per superblock its 256 values times their scales, d, dmin and the eight mins; and its sums for four input rows. */
    private static final class UnpackedRow {
        final float[] weights;
        final float[] d;
        final float[] dmin;
        final int[] mins;
        final float[] sum = new float[4];
        final float[] minSums = new float[4];
        private final int[] scales = new int[4];

        UnpackedRow(int cols) {
            int blocks = cols / QK_K;
            weights = new float[cols];
            d = new float[blocks];
            dmin = new float[blocks];
            mins = new int[8 * blocks];
        }

        void unpack(Q4_KMatrix m, int row) {
            int blocks = d.length;
            long rowOffset = (long) row * blocks * BLOCK_BYTES;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                d[k] = HalfFloat.f16ToF32(m.data.get(SHORT, offset));
                dmin[k] = HalfFloat.f16ToF32(m.data.get(SHORT, offset + 2));
                QuantBlocks.scalesMinsK4(m.data, offset + 4, scales);
                m.unpack(offset, scales, weights, k * QK_K);
                for (int s = 0; s < 8; s++) mins[8 * k + s] = QuantBlocks.byteOf(scales, 2, s);
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
        int[] scales = new int[4];
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROWS_PER_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROWS_PER_CHUNK);
            for (int b = from; b < input.rows(); b++) {
                for (int r = chunk; r < chunkEnd; r++) out[b * rows + r] = dot((long) r * blocks * BLOCK_BYTES, blocks, x, xd, xs, b * blocks, scales);
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

    /** The repacked gemv kernel: each superblock's integer sums scaled once; {@code scales} is scratch space. */
    private float dot(long rowOffset, int blocks, float[] x, float[] xd, short[] xs, int xBlock, int[] scales) {
        float sum = 0f;
        float mins = 0f;
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
     * their high nibbles. Vector API calls only, no helper of ours taking or giving a vector: how far C2
     * inlines before its node budget runs out depends on what else the process has compiled (after a
     * Q4_0 model, QuantBlocks.sum was left a call here, its vector boxed, and generation ran at 40 %).
     */
    private int superblockSum(long offset, float[] x, int xBase, int[] scales) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int t = 0; t < 4; t++) {
            ByteVector packed = ByteVector.fromMemorySegment(Simd.B32_LANES, data, offset + 16 + 32L * t, Simd.LE);
            ByteVector low = packed.and((byte) 0x0F);
            ByteVector high = packed.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            int xt = xBase + 64 * t;
            FloatVector lowProducts = ((FloatVector) low.convertShape(VectorOperators.B2F, F16_LANES, 1)).fma(FloatVector.fromArray(F16_LANES, x, xt + 16),
                    ((FloatVector) low.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(FloatVector.fromArray(F16_LANES, x, xt)));
            FloatVector highProducts = ((FloatVector) high.convertShape(VectorOperators.B2F, F16_LANES, 1)).fma(FloatVector.fromArray(F16_LANES, x, xt + 48),
                    ((FloatVector) high.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(FloatVector.fromArray(F16_LANES, x, xt + 32)));
            int scale = scales[t >> 1] >>> (16 * (t & 1));
            acc = lowProducts.fma(FloatVector.broadcast(F16_LANES, scale & 0xFF), acc);
            acc = highProducts.fma(FloatVector.broadcast(F16_LANES, (scale >>> 8) & 0xFF), acc);
        }
        return ((IntVector) acc.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The repacked gemm kernel for two weight rows and input rows {@code b..b+3}: the integer sums of every
     * 64 elements scaled, in order, into each row's {@code sum} and {@code mins}. The 16 sums of a superblock
     * for each weight row (four input rows, four runs of 64) are summed across their lanes at once
     * ({@link SixteenSums}).
     */
    private static void dotEach64(UnpackedRow first, UnpackedRow second, int blocks, float[] x, float[] xdByBlock, int[] pairSums, int inputs,
                                  int b, float[] vectors, float[] sums) {
        java.util.Arrays.fill(first.sum, 0f);
        java.util.Arrays.fill(first.minSums, 0f);
        java.util.Arrays.fill(second.sum, 0f);
        java.util.Arrays.fill(second.minSums, 0f);
        for (int k = 0; k < blocks; k++) {
            for (int t = 0; t < 4; t++) {
                products(first.weights, second.weights, k * QK_K + 64 * t, x, (b * blocks + k) * QK_K + 64 * t, blocks * QK_K, vectors, 16 * t);
            }
            for (int w = 0; w < 2; w++) { // one call site each: C2 inlines them once
                SixteenSums.of(vectors, 256 * w, sums);
                addSums(w == 0 ? first : second, k, sums, xdByBlock, k * inputs + b, pairSums, k * 8 * inputs + b, inputs);
            }
        }
    }

    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    /** Where the four input rows' sums of run t lie in {@link SixteenSums}'s lanes, given {@link #products}'s order. */
    private static final int[] RUN_LANES = {0, 8, 4, 12};

    /**
     * A weight row's 16 lane sums of superblock {@code k} scaled into its sums and mins for the four input
     * rows, run after run, each input row in its own lane: {@code xd} at {@code xdAt} and the activation
     * pair sums at {@code pairAt} ({@code inputs} apart from one pair to the next) are laid out by
     * superblock, the four rows side by side.
     */
    private static void addSums(UnpackedRow row, int k, float[] sums, float[] xd, int xdAt, int[] pairSums, int pairAt, int inputs) {
        FloatVector y = FloatVector.fromArray(F4, xd, xdAt);
        FloatVector dy = y.mul(row.d[k]);
        FloatVector dminY = y.mul(row.dmin[k]);
        FloatVector sum = FloatVector.fromArray(F4, row.sum, 0);
        FloatVector mins = FloatVector.fromArray(F4, row.minSums, 0);
        for (int t = 0; t < 4; t++) {
            sum = FloatVector.fromArray(F4, sums, RUN_LANES[t]).fma(dy, sum);
            IntVector m = IntVector.fromArray(I4, pairSums, pairAt + 2 * t * inputs).mul(row.mins[8 * k + 2 * t])
                    .add(IntVector.fromArray(I4, pairSums, pairAt + (2 * t + 1) * inputs).mul(row.mins[8 * k + 2 * t + 1]));
            mins = ((FloatVector) m.convert(VectorOperators.I2F, 0)).fma(dminY, mins);
        }
        sum.intoArray(row.sum, 0);
        mins.intoArray(row.minSums, 0);
    }

    /**
     * The products of 64 weights of two rows ({@code w0}, {@code w1} at {@code w}) with 64 activations of
     * four input rows (at {@code xAt}, {@code stride} apart), in 16 lanes each: weight row 0's against input
     * row {@code i} into {@code vectors[at + 64 rev(i)..]}, weight row 1's 256 further.
     * Each weight vector is loaded once for four rows, each activation vector once for two.
     */
    private static void products(float[] w0, float[] w1, int w, float[] x, int xAt, int stride, float[] vectors, int at) {
        FloatVector a0 = FloatVector.zero(F16_LANES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int j = 0; j < 64; j += 16) {
            FloatVector u = FloatVector.fromArray(F16_LANES, w0, w + j);
            FloatVector v = FloatVector.fromArray(F16_LANES, w1, w + j);
            FloatVector y0 = FloatVector.fromArray(F16_LANES, x, xAt + j);
            FloatVector y1 = FloatVector.fromArray(F16_LANES, x, xAt + stride + j);
            FloatVector y2 = FloatVector.fromArray(F16_LANES, x, xAt + 2 * stride + j);
            FloatVector y3 = FloatVector.fromArray(F16_LANES, x, xAt + 3 * stride + j);
            a0 = u.fma(y0, a0);
            a1 = u.fma(y1, a1);
            a2 = u.fma(y2, a2);
            a3 = u.fma(y3, a3);
            b0 = v.fma(y0, b0);
            b1 = v.fma(y1, b1);
            b2 = v.fma(y2, b2);
            b3 = v.fma(y3, b3);
        }
        // input row i as vector 4 * rev(i) + t (its two bits reversed): then SixteenSums puts the four input
        // rows' sums of a run side by side, in order
        a0.intoArray(vectors, at);
        a1.intoArray(vectors, at + 128);
        a2.intoArray(vectors, at + 64);
        a3.intoArray(vectors, at + 192);
        b0.intoArray(vectors, 256 + at);
        b1.intoArray(vectors, 256 + at + 128);
        b2.intoArray(vectors, 256 + at + 64);
        b3.intoArray(vectors, 256 + at + 192);
    }

    /** The superblock's 256 nibbles times their sub-block's scale, as floats, each 32 {@link Simd#QUARTERS} regrouped, into {@code weights[at..at+255]}. */
    private void unpack(long offset, int[] scales, float[] weights, int at) {
        for (int t = 0; t < 4; t++) {
            ByteVector packed = QuantBlocks.bytes(data, offset + 16 + 32L * t).rearrange(Simd.QUARTERS);
            ByteVector low = QuantBlocks.lowNibbles(packed);
            ByteVector high = QuantBlocks.highNibbles(packed);
            FloatVector lowScale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t));
            FloatVector highScale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, 2 * t + 1));
            QuantBlocks.floatsOfPart0(low).mul(lowScale).intoArray(weights, at + 64 * t);
            QuantBlocks.floatsOfPart1(low).mul(lowScale).intoArray(weights, at + 64 * t + 16);
            QuantBlocks.floatsOfPart0(high).mul(highScale).intoArray(weights, at + 64 * t + 32);
            QuantBlocks.floatsOfPart1(high).mul(highScale).intoArray(weights, at + 64 * t + 48);
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
