package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K weights: Q4_K with a fifth bit (176 bytes: F16 {@code d} and {@code dmin}, 12 bytes of 6-bit
 * scales and mins, 32 bytes of fifth bits, 128 bytes of nibbles); run {@code j} of 64 elements takes bits
 * {@code 2j} (low nibbles) and {@code 2j+1} (high nibbles) of the 32 fifth-bit bytes. Activations are
 * quantized to Q8_K; as ggml's AVX2 {@code vec_dot_q5_K_q8_K}, eight integer lanes per superblock scaled
 * into eight float lanes, the mins against the activation sums kept in one float.
 */
public record Q5_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 176;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    /**
     * x86 llama.cpp multiplies Q5_K with {@code vec_dot_q5_K_q8_K} for every input row, batch or not. One
     * row reads the weights straight from the segment; a batch goes in chunks of input rows that stay in
     * cache, each superblock unpacked once per chunk into scaled floats that the chunk's rows then read:
     * the same exact integer lanes, so the same results as one row alone.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() == 1) multiplyOne(input, out, rowFrom, rowTo);
        else multiplyBatch(input, out, rowFrom, rowTo);
    }

    private void multiplyOne(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] x = input.q8kAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int blocks = cols / QK_K;
        int[] scales = new int[4];
        float[] halves = new float[32];
        float[] lanes = new float[16];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            java.util.Arrays.fill(lanes, 0f);
            float mins = 0f;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                QuantBlocks.scalesMinsK4(data, offset + 4, scales);
                sumHalves(offset, x, k * QK_K, scales, halves);
                foldIntoLanes(halves, xd[k] * HalfFloat.f16ToF32(data.get(SHORT, offset)), lanes);
                mins = Math.fma(-xd[k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 2)), QuantBlocks.minsTimesSums(scales, xs, 16 * k, 0, 8), mins);
            }
            out[r] = Simd.sum8(lanes, 0) + mins;
        }
    }

    private void multiplyBatch(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] xq = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int blocks = cols / QK_K;
        int[] scales = new int[4];
        float[] weights = new float[QK_K];
        float[] lanes = new float[16 * INPUT_CHUNK];
        float[] mins = new float[INPUT_CHUNK];
        for (int from = 0; from < batch; from += INPUT_CHUNK) {
            int to = Math.min(batch, from + INPUT_CHUNK);
            for (int r = rowFrom; r < rowTo; r++) {
                long rowOffset = (long) r * blocks * BLOCK_BYTES;
                java.util.Arrays.fill(lanes, 0f);
                java.util.Arrays.fill(mins, 0f);
                for (int k = 0; k < blocks; k++) {
                    long offset = rowOffset + (long) k * BLOCK_BYTES;
                    float d = HalfFloat.f16ToF32(data.get(SHORT, offset));
                    float dmin = HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
                    QuantBlocks.scalesMinsK4(data, offset + 4, scales);
                    unpack(offset, scales, weights);
                    for (int b = from; b < to; b++) {
                        int xBlock = b * blocks + k;
                        addLanes(weights, xq, xBlock * QK_K, xd[xBlock] * d, lanes, 16 * (b - from));
                        mins[b - from] = Math.fma(-xd[xBlock] * dmin, QuantBlocks.minsTimesSums(scales, xs, 16 * xBlock, 0, 8), mins[b - from]);
                    }
                }
                for (int b = from; b < to; b++) out[b * rows + r] = Simd.sum8(lanes, 16 * (b - from)) + mins[b - from];
            }
        }
    }

    /** Input rows per chunk for batches: their activations stay in cache while the weight rows pass, each superblock unpacked once per chunk. */
    private static final int INPUT_CHUNK = 16;

    /*
     * ggml's AVX2 vec_dot_q5_K_q8_K: per superblock, eight integer lanes (lane l holds elements 4l..4l+3
     * of every sub-block of 32, times its scale), scaled into eight float lanes summed at the end; the mins
     * against the activation sums in one float. Sub-block s is the low (even s) or high (odd s) nibbles of
     * bytes 48 + 32 * (s / 2).., its fifth bits bit s of the 32 bytes at 16. The integer sums are taken in
     * float lanes, exact (a lane adds at most 16 products of 31 * 128 times a 6-bit scale, below 2^22), and
     * become ints before lanes are summed.
     *
     * One row: elements 0..15 of each sub-block add up lane for lane in one vector, 16..31 in another
     * (sumHalves), then lanes 4l..4l+3 of the first are lane l (l < 4), of the second lane l + 4
     * (foldIntoLanes); two methods with their vectors passed in an array, and no helper of ours taking
     * vectors, since past C2's inlining budget such a helper's vectors are boxed.
     */

    /** Elements 0..15 of each sub-block times its scale summed lane for lane into {@code halves[0..15]}, 16..31 into {@code [16..31]}. */
    private void sumHalves(long offset, float[] x, int xBase, int[] scales, float[] halves) {
        FloatVector low = FloatVector.zero(F16_LANES);
        FloatVector high = FloatVector.zero(F16_LANES);
        IntVector fifth = IntVector.fromMemorySegment(QuantBlocks.I8_LANES, data, offset + 16, Simd.LE);
        for (int s = 0; s < 8; s++) {
            ByteVector q = IntVector.fromMemorySegment(QuantBlocks.I8_LANES, data, offset + 48 + 32L * (s >> 1), Simd.LE)
                    .lanewise(VectorOperators.LSHR, 4 * (s & 1)).and(0x0F0F_0F0F)
                    .or(fifth.lanewise(VectorOperators.LSHR, s).and(0x0101_0101).lanewise(VectorOperators.LSHL, 4))
                    .reinterpretAsBytes();
            FloatVector scale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, s));
            low = ((FloatVector) q.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(FloatVector.fromArray(F16_LANES, x, xBase + 32 * s)).fma(scale, low);
            high = ((FloatVector) q.convertShape(VectorOperators.B2F, F16_LANES, 1)).mul(FloatVector.fromArray(F16_LANES, x, xBase + 32 * s + 16)).fma(scale, high);
        }
        low.intoArray(halves, 0);
        high.intoArray(halves, 16);
    }

    /** The eight lanes of {@link #sumHalves}'s sums times {@code d} added to {@code lanes} (twice). */
    private static void foldIntoLanes(float[] halves, float d, float[] lanes) {
        IntVector a = (IntVector) FloatVector.fromArray(F16_LANES, halves, 0).convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector b = (IntVector) FloatVector.fromArray(F16_LANES, halves, 16).convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector pairSums = QuantBlocks.EVEN_OF_TWO.selectFrom(a, b).add(QuantBlocks.ODD_OF_TWO.selectFrom(a, b));
        IntVector sumi = QuantBlocks.EVEN_TWICE.selectFrom(pairSums, pairSums).add(QuantBlocks.ODD_TWICE.selectFrom(pairSums, pairSums));
        ((FloatVector) sumi.convertShape(VectorOperators.I2F, F16_LANES, 0)).fma(FloatVector.broadcast(F16_LANES, d), FloatVector.fromArray(F16_LANES, lanes, 0))
                .intoArray(lanes, 0);
    }

    /** The superblock's 256 values times their sub-block's scale, as floats, each 32 {@link Simd#QUARTERS} regrouped. */
    private void unpack(long offset, int[] scales, float[] weights) {
        IntVector fifth = QuantBlocks.bytes(data, offset + 16).rearrange(Simd.QUARTERS).reinterpretAsInts();
        for (int s = 0; s < 8; s++) {
            IntVector packed = QuantBlocks.bytes(data, offset + 48 + 32L * (s >> 1)).rearrange(Simd.QUARTERS).reinterpretAsInts();
            ByteVector q = packed.lanewise(VectorOperators.LSHR, 4 * (s & 1)).and(0x0F0F_0F0F)
                    .or(fifth.lanewise(VectorOperators.LSHR, s).and(0x0101_0101).lanewise(VectorOperators.LSHL, 4)).reinterpretAsBytes();
            FloatVector scale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, s));
            QuantBlocks.floatsOfPart0(q).mul(scale).intoArray(weights, 32 * s);
            QuantBlocks.floatsOfPart1(q).mul(scale).intoArray(weights, 32 * s + 16);
        }
    }

    private static final IntVector HALVES_SWAPPED = IntVector.fromArray(Simd.I16_LANES, new int[] {8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7}, 0);

    /**
     * Adds {@code d} times the eight lanes of an {@link #unpack}ed superblock against the activations at
     * {@code xBase} to {@code lanes[at..at+15]} (as {@link QuantBlocks#eightLanesTwice}, written out: this
     * runs inside the batch loop, past C2's inlining budget for helpers that take vectors).
     */
    private static void addLanes(float[] weights, float[] xq, int xBase, float d, float[] lanes, int at) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int i = 0; i < QK_K; i += 32) {
            acc = FloatVector.fromArray(F16_LANES, weights, i + 16).fma(FloatVector.fromArray(F16_LANES, xq, xBase + i + 16),
                    FloatVector.fromArray(F16_LANES, weights, i).fma(FloatVector.fromArray(F16_LANES, xq, xBase + i), acc));
        }
        IntVector ints = (IntVector) acc.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector sumi = ints.add(HALVES_SWAPPED.selectFrom(ints, ints));
        ((FloatVector) sumi.convertShape(VectorOperators.I2F, F16_LANES, 0)).fma(FloatVector.broadcast(F16_LANES, d), FloatVector.fromArray(F16_LANES, lanes, at))
                .intoArray(lanes, at);
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
            int u1 = 1;
            int u2 = 2;
            for (int j = 0; j < 4; j++) {
                float d1 = d * QuantBlocks.scaleMinK4(data, block + 4, 2 * j, false);
                float m1 = min * QuantBlocks.scaleMinK4(data, block + 4, 2 * j, true);
                float d2 = d * QuantBlocks.scaleMinK4(data, block + 4, 2 * j + 1, false);
                float m2 = min * QuantBlocks.scaleMinK4(data, block + 4, 2 * j + 1, true);
                long ql = block + 48 + 32L * j;
                for (int l = 0; l < 32; l++) {
                    int h = QuantBlocks.byteAt(data, block + 16 + l);
                    out[y++] = d1 * ((QuantBlocks.byteAt(data, ql + l) & 0x0F) + ((h & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int h = QuantBlocks.byteAt(data, block + 16 + l);
                    out[y++] = d2 * ((QuantBlocks.byteAt(data, ql + l) >>> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }
}
