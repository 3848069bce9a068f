package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
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
        float[] xq = input.q8kQuartersAsFloats();
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

    /** AVX2 {@code vec_dot_q5_K_q8_K}: eight integer lanes per superblock, scaled into eight float lanes; the mins apart. */
    private float dot(long rowOffset, int blocks, float[] xq, float[] xd, short[] xs, int xBlock) {
        float[] lanes = new float[16];
        float mins = 0f;
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset));
            float dmin = -xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 2));
            QuantBlocks.scalesMinsK4(data, offset + 4, scales);
            mins = Math.fma(dmin, addLanes(offset, xq, xBase, xs, scales, d, lanes), mins);
        }
        return Simd.sum8(FloatVector.fromArray(F8_LANES, lanes, 0)) + mins;
    }

    /**
     * Adds {@code d} times a superblock's eight lanes to {@code lanes}; returns its mins times the activation sums. Sub-block {@code s} is the low (even
     * s) or high (odd s) nibbles of bytes {@code 32 * (s / 2)..}, fifth bits from bit {@code s} of the 32
     * high bytes. Summed in 16 float lanes (see {@link QuantBlocks#products}), exact: a lane adds two
     * products (<= 31 * 127) per sub-block times a 6-bit scale, over eight sub-blocks: below 2^22.
     */
    private int addLanes(long offset, float[] xq, int xBase, short[] xs, int[] scales, float d, float[] lanes) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int s = 0; s < 8; s++) {
            IntVector packed = QuantBlocks.bytes(data, offset + 48 + 32L * (s >> 1)).rearrange(Simd.QUARTERS).reinterpretAsInts();
            IntVector high = QuantBlocks.bytes(data, offset + 16).rearrange(Simd.QUARTERS).reinterpretAsInts();
            IntVector q = packed.lanewise(VectorOperators.LSHR, 4 * (s & 1)).and(0x0F0F_0F0F)
                    .or(high.lanewise(VectorOperators.LSHR, s).and(0x0101_0101).lanewise(VectorOperators.LSHL, 4));
            FloatVector scale = FloatVector.broadcast(F16_LANES, QuantBlocks.byteOf(scales, 0, s));
            acc = QuantBlocks.products(q.reinterpretAsBytes(), QuantBlocks.at(xq, xBase + 32 * s), QuantBlocks.at(xq, xBase + 32 * s + 16)).fma(scale, acc);
        }
        QuantBlocks.asFloats(QuantBlocks.eightLanesTwice(acc)).fma(FloatVector.broadcast(F16_LANES, d), QuantBlocks.at(lanes, 0)).intoArray(lanes, 0);
        return QuantBlocks.minsTimesSums(scales[2], scales[3], xs, xBase / 16);
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
