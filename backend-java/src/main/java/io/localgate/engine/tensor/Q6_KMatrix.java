package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B16_LANES;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Q6_K weights: superblocks of 256 (210 bytes: 128 bytes of low nibbles, 64 bytes of high bit pairs,
 * sixteen int8 scales, F16 {@code d}); element {@code i} is {@code d * scale_(i/16) * (q - 32)}. Each half
 * of 128 elements takes 64 low-nibble bytes and 32 high bytes: four runs of 32 elements. Activations are
 * quantized to Q8_K.
 */
public record Q6_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 210;
    private static final VectorShuffle<Integer> EVEN_LANES = VectorShuffle.fromOp(Simd.I16_LANES, i -> (2 * i) % 16);
    private static final VectorShuffle<Integer> ODD_LANES = VectorShuffle.fromOp(Simd.I16_LANES, i -> (2 * i + 1) % 16);

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    /**
     * x86 llama.cpp multiplies Q6_K with {@code vec_dot_q6_K_q8_K} for every input row, batch or not (it has
     * no repacked or tinyBLAS kernel for it); here weight rows are taken in chunks that stay in cache, and
     * each superblock is unpacked once for four input rows at a time, with the same arithmetic per row.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] x = input.q8kAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int inFours = batch - batch % 4;
        int blocks = cols / QK_K;
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROWS_PER_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROWS_PER_CHUNK);
            for (int b = 0; b < inFours; b += 4) {
                for (int r = chunk; r < chunkEnd; r++) dotFour(r, blocks, x, xd, xs, b, out);
            }
            for (int b = inFours; b < batch; b++) {
                for (int r = chunk; r < chunkEnd; r++) out[b * rows + r] = dot((long) r * blocks * BLOCK_BYTES, blocks, x, xd, xs, b * blocks);
            }
        }
    }

    /*
     * ggml's AVX2 vec_dot_q6_K_q8_K: per superblock, eight integer lanes (lane l holds elements 4l..4l+3 of
     * every run of 32, times their scale, less 32 * scale * sum for sums 2l, 2l+1), scaled into eight float
     * lanes that are summed at the end. The integer lanes are taken in float lanes, exact: each run's
     * elements 0..15 (and 16..31) are weights times their scale (<= 63 * 128) times quants (|q| <= 127),
     * lane for lane over eight runs, at most 8,193,024 < 2^24; they become ints before the groups of four
     * are summed. A superblock is read in four steps of 16 positions: two runs' low nibbles, their high
     * nibbles, and the four high bit pairs of 16 high bytes make 64 six-bit values of four runs.
     */

    /** Weight rows per chunk for batches: their superblocks stay in cache while every input row passes. */
    private static final int ROWS_PER_CHUNK = 16;

    private float dot(long rowOffset, int blocks, float[] x, float[] xd, short[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            // elements 0..15 of each run in "first", 16..31 in "second": each step adds to first, then they swap
            FloatVector first = FloatVector.zero(F16_LANES);
            FloatVector second = FloatVector.zero(F16_LANES);
            for (int step = 0; step < 4; step++) {
                long low = offset + 64L * (step >> 1) + 16L * (step & 1);
                long scales = offset + 192 + 8L * (step >> 1) + (step & 1);
                int xs0 = xBase + 128 * (step >> 1) + 16 * (step & 1);
                ByteVector low0 = ByteVector.fromMemorySegment(B16_LANES, data, low, LE);
                ByteVector low1 = ByteVector.fromMemorySegment(B16_LANES, data, low + 32, LE);
                ByteVector high = ByteVector.fromMemorySegment(B16_LANES, data, offset + 128 + 32L * (step >> 1) + 16L * (step & 1), LE);
                first = weights(low0.and((byte) 0x0F).or(shiftLeft(high, 4).and((byte) 0x30)), scale(scales)).fma(QuantBlocks.at(x, xs0), first);
                first = weights(low1.and((byte) 0x0F).or(shiftLeft(high, 2).and((byte) 0x30)), scale(scales + 2)).fma(QuantBlocks.at(x, xs0 + 32), first);
                first = weights(QuantBlocks.highNibbles(low0).or(high.and((byte) 0x30)), scale(scales + 4)).fma(QuantBlocks.at(x, xs0 + 64), first);
                first = weights(QuantBlocks.highNibbles(low1).or(shiftRight(high, 2).and((byte) 0x30)), scale(scales + 6)).fma(QuantBlocks.at(x, xs0 + 96), first);
                FloatVector swap = first;
                first = second;
                second = swap;
            }
            IntVector sumi = groupsOfFour(first, second).sub(scaledSums(offset, xs, xBase / 16));
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 208));
            acc = QuantBlocks.asFloats(sumi).fma(FloatVector.broadcast(F16_LANES, d), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
    }

    /** {@link #dot} for input rows {@code b..b+3} at once, each with the same arithmetic; writes the four results. */
    private void dotFour(int r, int blocks, float[] x, float[] xd, short[] xs, int b, float[] out) {
        long rowOffset = (long) r * blocks * BLOCK_BYTES;
        int stride = blocks * QK_K;
        FloatVector acc0 = FloatVector.zero(F16_LANES);
        FloatVector acc1 = FloatVector.zero(F16_LANES);
        FloatVector acc2 = FloatVector.zero(F16_LANES);
        FloatVector acc3 = FloatVector.zero(F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (b * blocks + k) * QK_K;
            FloatVector first0 = FloatVector.zero(F16_LANES);
            FloatVector second0 = FloatVector.zero(F16_LANES);
            FloatVector first1 = FloatVector.zero(F16_LANES);
            FloatVector second1 = FloatVector.zero(F16_LANES);
            FloatVector first2 = FloatVector.zero(F16_LANES);
            FloatVector second2 = FloatVector.zero(F16_LANES);
            FloatVector first3 = FloatVector.zero(F16_LANES);
            FloatVector second3 = FloatVector.zero(F16_LANES);
            for (int step = 0; step < 4; step++) {
                long low = offset + 64L * (step >> 1) + 16L * (step & 1);
                long scales = offset + 192 + 8L * (step >> 1) + (step & 1);
                ByteVector low0 = ByteVector.fromMemorySegment(B16_LANES, data, low, LE);
                ByteVector low1 = ByteVector.fromMemorySegment(B16_LANES, data, low + 32, LE);
                ByteVector high = ByteVector.fromMemorySegment(B16_LANES, data, offset + 128 + 32L * (step >> 1) + 16L * (step & 1), LE);
                for (int m = 0; m < 4; m++) {
                    ByteVector nibbles = switch (m) {
                        case 0 -> low0.and((byte) 0x0F);
                        case 1 -> low1.and((byte) 0x0F);
                        case 2 -> QuantBlocks.highNibbles(low0);
                        default -> QuantBlocks.highNibbles(low1);
                    };
                    ByteVector highBits = switch (m) {
                        case 0 -> shiftLeft(high, 4);
                        case 1 -> shiftLeft(high, 2);
                        case 2 -> high;
                        default -> shiftRight(high, 2);
                    };
                    FloatVector w = weights(nibbles.or(highBits.and((byte) 0x30)), scale(scales + 2 * m));
                    int xs0 = xBase + 128 * (step >> 1) + 16 * (step & 1) + 32 * m;
                    first0 = w.fma(QuantBlocks.at(x, xs0), first0);
                    first1 = w.fma(QuantBlocks.at(x, xs0 + stride), first1);
                    first2 = w.fma(QuantBlocks.at(x, xs0 + 2 * stride), first2);
                    first3 = w.fma(QuantBlocks.at(x, xs0 + 3 * stride), first3);
                }
                FloatVector swap = first0;
                first0 = second0;
                second0 = swap;
                swap = first1;
                first1 = second1;
                second1 = swap;
                swap = first2;
                first2 = second2;
                second2 = swap;
                swap = first3;
                first3 = second3;
                second3 = swap;
            }
            float wd = HalfFloat.f16ToF32(data.get(SHORT, offset + 208));
            int sums = xBase / 16;
            int sumStride = stride / 16;
            acc0 = QuantBlocks.asFloats(groupsOfFour(first0, second0).sub(scaledSums(offset, xs, sums)))
                    .fma(FloatVector.broadcast(F16_LANES, xd[b * blocks + k] * wd), acc0);
            acc1 = QuantBlocks.asFloats(groupsOfFour(first1, second1).sub(scaledSums(offset, xs, sums + sumStride)))
                    .fma(FloatVector.broadcast(F16_LANES, xd[(b + 1) * blocks + k] * wd), acc1);
            acc2 = QuantBlocks.asFloats(groupsOfFour(first2, second2).sub(scaledSums(offset, xs, sums + 2 * sumStride)))
                    .fma(FloatVector.broadcast(F16_LANES, xd[(b + 2) * blocks + k] * wd), acc2);
            acc3 = QuantBlocks.asFloats(groupsOfFour(first3, second3).sub(scaledSums(offset, xs, sums + 3 * sumStride)))
                    .fma(FloatVector.broadcast(F16_LANES, xd[(b + 3) * blocks + k] * wd), acc3);
        }
        out[b * rows + r] = Simd.sum8((FloatVector) acc0.reinterpretShape(F8_LANES, 0));
        out[(b + 1) * rows + r] = Simd.sum8((FloatVector) acc1.reinterpretShape(F8_LANES, 0));
        out[(b + 2) * rows + r] = Simd.sum8((FloatVector) acc2.reinterpretShape(F8_LANES, 0));
        out[(b + 3) * rows + r] = Simd.sum8((FloatVector) acc3.reinterpretShape(F8_LANES, 0));
    }

    /** 16 six-bit weights times their scale, as floats (exact). */
    private static FloatVector weights(ByteVector values, float scale) {
        return ((FloatVector) values.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(scale);
    }

    /** Bytes shifted as ints (x86 has no byte shift); callers mask off what crossed from a neighbour byte. */
    private static ByteVector shiftLeft(ByteVector v, int bits) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHL, bits).reinterpretAsBytes();
    }

    private static ByteVector shiftRight(ByteVector v, int bits) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, bits).reinterpretAsBytes();
    }

    /**
     * ggml's eight integer lanes from the exact sums of elements 0..15 ({@code first}) and 16..31
     * ({@code second}) of the runs: lane {@code l} sums lanes {@code 4l..4l+3} of first for {@code l < 4},
     * of second for {@code l >= 4}; lanes 8..15 repeat them.
     */
    private static IntVector groupsOfFour(FloatVector first, FloatVector second) {
        IntVector a = (IntVector) first.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector b = (IntVector) second.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector pairs = a.rearrange(EVEN_OF_TWO, b).add(a.rearrange(ODD_OF_TWO, b));
        return pairs.rearrange(EVEN_LANES).add(pairs.rearrange(ODD_LANES));
    }

    /** Lanes {@code 2i} and {@code 2i + 1} of two vectors in a row (indexes past 15 select from the second). */
    private static final VectorShuffle<Integer> EVEN_OF_TWO = VectorShuffle.fromOp(Simd.I16_LANES, i -> 2 * i);
    private static final VectorShuffle<Integer> ODD_OF_TWO = VectorShuffle.fromOp(Simd.I16_LANES, i -> 2 * i + 1);

    /**
     * {@code 32 * (sums[2l] * scale[2l] + sums[2l+1] * scale[2l+1])} in lanes {@code l} and {@code l + 8}:
     * what ggml subtracts from lane {@code l} for the stored offset of 32.
     */
    private IntVector scaledSums(long offset, short[] xs, int sums) {
        IntVector scales = (IntVector) ByteVector.fromMemorySegment(Simd.B16_LANES, data, offset + 192, Simd.LE).convertShape(VectorOperators.B2I, Simd.I16_LANES, 0);
        IntVector x = (IntVector) ShortVector.fromArray(Simd.S16_LANES, xs, sums).convertShape(VectorOperators.S2I, Simd.I16_LANES, 0);
        IntVector products = x.mul(scales);
        return products.rearrange(EVEN_LANES).add(products.rearrange(ODD_LANES)).lanewise(VectorOperators.LSHL, 5);
    }

    private int scale(long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / QK_K;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block + 208));
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + 128 + 32L * half;
                long sc = block + 192 + 8L * half;
                int y = offset + k * QK_K + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = QuantBlocks.byteAt(data, qh + l);
                    int q1 = ((QuantBlocks.byteAt(data, ql + l) & 0x0F) | ((h & 3) << 4)) - 32;
                    int q2 = ((QuantBlocks.byteAt(data, ql + l + 32) & 0x0F) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((QuantBlocks.byteAt(data, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((QuantBlocks.byteAt(data, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    out[y + l] = d * scale(sc + is) * q1;
                    out[y + l + 32] = d * scale(sc + is + 2) * q2;
                    out[y + l + 64] = d * scale(sc + is + 4) * q3;
                    out[y + l + 96] = d * scale(sc + is + 6) * q4;
                }
            }
        }
    }
}
