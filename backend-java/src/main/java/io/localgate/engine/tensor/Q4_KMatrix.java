package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.I8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

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
     * integer sums are the same in each.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        byte[] xq = input.q8kQuants();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int inGroupsOfFour = batch - batch % 4;
        int blocks = cols / QK_K;
        boolean repacked = rows % 8 == 0;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = repacked
                        ? dot(rowOffset, blocks, xq, xd, xs, b * blocks, b < inGroupsOfFour)
                        : dotInLanes(rowOffset, blocks, xq, xd, xs, b * blocks);
            }
        }
    }

    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock, boolean scaleEach64) {
        float sum = 0f;
        float mins = 0f;
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float yd = xd[xBlock + k];
            float d = HalfFloat.f16ToF32(data.get(SHORT, offset)) * yd;
            float dmin = HalfFloat.f16ToF32(data.get(SHORT, offset + 2)) * yd;
            int sums = xBase / 16;
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            IntVector acc = IntVector.zero(I8_LANES);
            int minSum = 0;
            for (int s = 0; s < 8; s++) {
                // sub-block s: the low (even s) or high (odd s) nibbles of bytes 32 * (s / 2) ..
                ByteVector w = QuantBlocks.bytes(data, offset + 16 + 32L * (s >> 1)).lanewise(VectorOperators.LSHR, 4 * (s & 1)).and((byte) 0x0F);
                int scale = QuantBlocks.byteOf(scales, 0, s);
                acc = QuantBlocks.dotEightLanes(w, ByteVector.fromArray(B32_LANES, xq, xBase + 32 * s), scale, scale, acc);
                minSum += QuantBlocks.byteOf(scales, 2, s) * (xs[sums + 2 * s] + xs[sums + 2 * s + 1]);
                if (scaleEach64 && (s & 1) == 1) {
                    sum = Math.fma(acc.reduceLanes(VectorOperators.ADD), d, sum);
                    mins = Math.fma(minSum, dmin, mins);
                    acc = IntVector.zero(I8_LANES);
                    minSum = 0;
                }
            }
            if (!scaleEach64) {
                sum = Math.fma(acc.reduceLanes(VectorOperators.ADD), d, sum);
                mins = Math.fma(minSum, dmin, mins);
            }
        }
        return sum - mins;
    }

    private float dotInLanes(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        float[] minLanes = new float[4];
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset));
            float dmin = -xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            int sums = xBase / 16;
            for (int t = 0; t < 4; t++) {
                int products = 0;
                for (int s = 2 * t; s < 2 * t + 2; s++) products += QuantBlocks.byteOf(scales, 2, s) * (xs[sums + 2 * s] + xs[sums + 2 * s + 1]);
                minLanes[t] = Math.fma(dmin, products, minLanes[t]);
            }
            IntVector sumi = IntVector.zero(I8_LANES);
            for (int s = 0; s < 8; s++) {
                ByteVector w = QuantBlocks.bytes(data, offset + 16 + 32L * (s >> 1)).lanewise(VectorOperators.LSHR, 4 * (s & 1)).and((byte) 0x0F);
                int scale = QuantBlocks.byteOf(scales, 0, s);
                sumi = QuantBlocks.dotEightLanes(w, ByteVector.fromArray(B32_LANES, xq, xBase + 32 * s), scale, scale, sumi);
            }
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8_LANES, d), acc);
        }
        return Simd.sum8(acc) + ((minLanes[0] + minLanes[2]) + (minLanes[1] + minLanes[3]));
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
