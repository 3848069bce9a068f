package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
    /** In a regrouped run, lanes 4..7 and 12..15 hold elements 16..31 (see {@link QuantBlocks#products}). */
    private static final VectorMask<Float> SECOND_SIXTEEN = VectorMask.fromLong(F16_LANES, 0xF0F0L);
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

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] xq = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int blocks = cols / QK_K;
        float[] lanes = new float[16];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = dot(rowOffset, blocks, xq, xd, xs, b * blocks, lanes);
            }
        }
    }

    /**
     * ggml's AVX2 {@code vec_dot_q6_K_q8_K}: per superblock, eight integer lanes (lane {@code l} holds elements
     * {@code 4l..4l+3} of every run of 32, times their scale, less {@code 32 * scale * sum} for sums
     * {@code 2l, 2l+1}), scaled into eight float lanes that are summed at the end.
     */
    private float dot(long rowOffset, int blocks, float[] xq, float[] xd, short[] xs, int xBlock, float[] lanes) {
        java.util.Arrays.fill(lanes, 0f);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            addLanes(offset, xq, xBase, xs, xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 208)), lanes);
        }
        return Simd.sum8(FloatVector.fromArray(F8_LANES, lanes, 0));
    }

    /**
     * Adds one superblock's eight lanes times {@code d} to {@code lanes}. The products of the unsigned 6-bit
     * values with the quants are summed in 16 float lanes (see {@link QuantBlocks#products}), exact: a lane
     * adds two products (<= 63 * 127) per run, times an int8 scale (|s| <= 128), over eight runs:
     * at most 16,386,048 < 2^24. (No vector is returned: C2 may compile this alone.)
     */
    private void addLanes(long offset, float[] xq, int xBase, short[] xs, float d, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        // eight runs of 32: per half of 128, low nibbles of bytes 0..31, of 32..63, then their high nibbles;
        // their high bit pairs are bits 0-1, 2-3, 4-5, 6-7 of the half's 32 high bytes
        for (int run = 0; run < 8; run++) {
            int half = run >> 2;
            int m = run & 3;
            IntVector packed = QuantBlocks.bytes(data, offset + 64L * half + 32L * (m & 1)).rearrange(Simd.QUARTERS).reinterpretAsInts();
            IntVector high = QuantBlocks.bytes(data, offset + 128 + 32L * half).rearrange(Simd.QUARTERS).reinterpretAsInts();
            IntVector q = packed.lanewise(VectorOperators.LSHR, 4 * (m >> 1)).and(0x0F0F_0F0F)
                    .or(high.lanewise(VectorOperators.LSHR, 2 * m).and(0x0303_0303).lanewise(VectorOperators.LSHL, 4));
            long scales = offset + 192 + 8L * half + 2L * m;
            FloatVector scale = FloatVector.broadcast(F16_LANES, scale(scales)).blend(scale(scales + 1), SECOND_SIXTEEN);
            acc = QuantBlocks.products(q.reinterpretAsBytes(), QuantBlocks.at(xq, xBase + 32 * run), QuantBlocks.at(xq, xBase + 32 * run + 16)).fma(scale, acc);
        }
        QuantBlocks.asFloats(QuantBlocks.eightLanesTwice(acc).sub(scaledSums(offset, xs, xBase / 16))).fma(FloatVector.broadcast(F16_LANES, d), QuantBlocks.at(lanes, 0)).intoArray(lanes, 0);
    }

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
