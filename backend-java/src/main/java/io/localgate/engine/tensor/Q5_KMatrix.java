package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.QuantBlocks.I8_LANES;
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

    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        float mins = 0f;
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset));
            float dmin = -xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
            int sums = xBase / 16;
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            int minSum = 0;
            for (int s = 0; s < 8; s++) minSum += QuantBlocks.byteOf(scales, 2, s) * (xs[sums + 2 * s] + xs[sums + 2 * s + 1]);
            mins = Math.fma(dmin, minSum, mins);
            IntVector sumi = IntVector.zero(I8_LANES);
            for (int s = 0; s < 8; s++) {
                // sub-block s: the low (even s) or high (odd s) nibbles of bytes 32 * (s / 2) .., fifth bits from bit s
                ByteVector low = QuantBlocks.bytes(data, offset + 48 + 32L * (s >> 1)).lanewise(VectorOperators.LSHR, 4 * (s & 1)).and((byte) 0x0F);
                ByteVector fifth = QuantBlocks.bytes(data, offset + 16).lanewise(VectorOperators.LSHR, s).and((byte) 1).lanewise(VectorOperators.LSHL, 4);
                int scale = QuantBlocks.byteOf(scales, 0, s);
                sumi = QuantBlocks.dotEightLanes(low.or(fifth), ByteVector.fromArray(B32_LANES, xq, xBase + 32 * s), scale, scale, sumi);
            }
            acc = ((FloatVector) sumi.convertShape(VectorOperators.I2F, F8_LANES, 0)).fma(FloatVector.broadcast(F8_LANES, d), acc);
        }
        return Simd.sum8(acc) + mins;
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
