package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.I8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K weights: superblocks of 256 (210 bytes: 128 bytes of low nibbles, 64 bytes of high bit pairs,
 * sixteen int8 scales, F16 {@code d}); element {@code i} is {@code d * scale_(i/16) * (q - 32)}. Each half
 * of 128 elements takes 64 low-nibble bytes and 32 high bytes: four runs of 32 elements. Activations are
 * quantized to Q8_K.
 */
public record Q6_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 210;

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
        byte[] xq = input.q8kQuants();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int blocks = cols / QK_K;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = dot(rowOffset, blocks, xq, xd, xs, b * blocks);
            }
        }
    }

    /**
     * ggml's AVX2 {@code vec_dot_q6_K_q8_K}: per superblock, eight integer lanes (lane {@code l} holds elements
     * {@code 4l..4l+3} of every run of 32, times their scale, less {@code 32 * scale * sum} for sums
     * {@code 2l, 2l+1}), scaled into eight float lanes that are summed at the end.
     */
    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        int[] offsets = new int[8];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            IntVector sumi = IntVector.zero(I8_LANES);
            // eight runs of 32: per half of 128, low nibbles of bytes 0..31, of 32..63, then their high nibbles
            for (int run = 0; run < 8; run++) {
                int half = run >> 2;
                int m = run & 3;
                ByteVector low = QuantBlocks.bytes(data, offset + 64L * half + 32L * (m & 1)).lanewise(VectorOperators.LSHR, 4 * (m >> 1)).and((byte) 0x0F);
                ByteVector high = QuantBlocks.bytes(data, offset + 128 + 32L * half).lanewise(VectorOperators.LSHR, 2 * m).and((byte) 3);
                long scales = offset + 192 + 8L * half + 2L * m;
                sumi = QuantBlocks.dotEightLanes(low.or(high.lanewise(VectorOperators.LSHL, 4)), ByteVector.fromArray(B32_LANES, xq, xBase + 32 * run),
                        scale(scales), scale(scales + 1), sumi);
            }
            int sums = xBase / 16;
            for (int l = 0; l < 8; l++) {
                offsets[l] = (xs[sums + 2 * l] * scale(offset + 192 + 2 * l) + xs[sums + 2 * l + 1] * scale(offset + 193 + 2 * l)) << 5;
            }
            sumi = sumi.sub(IntVector.fromArray(I8_LANES, offsets, 0));
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 208));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8_LANES, d), acc);
        }
        return Simd.sum8(acc);
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
