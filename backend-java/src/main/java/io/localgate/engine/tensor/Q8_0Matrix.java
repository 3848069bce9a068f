package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q8_0 weights: blocks of 32 signed bytes with one F16 scale (34 bytes). Activations are quantized to
 * Q8_0 too. As in ggml (vec_dot_q8_0_q8_0 and tinyBLAS_Q0_AVX alike), each block pair gives eight
 * exact integer lanes of four products, which accumulate into eight float lanes times both blocks'
 * scales; the lanes are summed at the end.
 */
public record Q8_0Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    public static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_0;
    }

    /**
     * Quantizes 32 values as ggml's x86 {@code quantize_row_q8_0}: scale {@code amax / 127} stored as F16,
     * quants {@code round_half_even(x * (127 / amax))}.
     *
     * @return the block's scale as the dot product will use it (the F16 value)
     */
    public static float quantizeBlock(float[] x, int offset, byte[] quants, int quantsOffset) {
        float amax = 0f;
        for (int i = 0; i < BLOCK; i++) amax = Math.max(amax, Math.abs(x[offset + i]));
        float d = amax / 127f;
        float inverse = amax != 0f ? 127f / amax : 0f;
        for (int i = 0; i < BLOCK; i++) {
            quants[quantsOffset + i] = (byte) Math.rint(x[offset + i] * inverse);
        }
        return HalfFloat.roundToF16(d);
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        byte[] xq = input.q8Quants();
        float[] xd = input.q8Scales();
        int batch = input.rows();
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = dot(rowOffset, blocks, xq, xd, b * blocks);
            }
        }
    }

    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, int xBlock) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            ByteVector w = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
            ByteVector x = ByteVector.fromArray(B32_LANES, xq, (xBlock + k) * BLOCK).rearrange(Simd.QUARTERS);
            acc = Simd.dot8Lanes(w, x).fma(FloatVector.broadcast(F16_LANES, scale), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block));
            for (int i = 0; i < BLOCK; i++) {
                out[offset + k * BLOCK + i] = data.get(ValueLayout.JAVA_BYTE, block + 2 + i) * d;
            }
        }
    }
}
