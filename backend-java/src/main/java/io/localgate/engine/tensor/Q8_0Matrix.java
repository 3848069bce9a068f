package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 weights: blocks of 32 signed bytes with one F16 scale (34 bytes). Activations are quantized to
 * Q8_0 too. As in ggml (vec_dot_q8_0_q8_0 and tinyBLAS_Q0_AVX alike), each block pair gives eight
 * exact integer lanes of four products, which accumulate into eight float lanes times both blocks'
 * scales; the lanes are summed at the end.
 */
public record Q8_0Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    public static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    /**
     * Up to this many input rows, each pair decodes the weight blocks in its own loop (the same products as
     * {@link PairKernels}): a decoded row stored and loaded again does not pay for itself across so few
     * (measured: half the time at two rows, a quarter less at four).
     */
    private static final int DIRECT_ROWS = 4;

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

    /**
     * One input row: {@link #multiplyOne}; more: through {@link PairKernels}, each weight row decoded to
     * floats once for a chunk of input rows. Each row's lanes, scales and
     * sums are those of the one-row kernel, so a row's result does not depend on its batch.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() == 1) {
            multiplyOne(input.q8QuartersAsFloats(), input.q8Scales(), 0, out, rowFrom, rowTo);
            return;
        }
        if (input.rows() > DIRECT_ROWS) {
            PairKernels.multiply(this::decodeRow, false, input, out, rows, cols, rowFrom, rowTo);
            return;
        }
        multiplyPairs(input.q8PairQuarters(), input.q8PairScales(), input.rows(), out, rowFrom, rowTo);
    }

    /**
     * The {@code batch} rows in pairs, each weight block decoded in the loop of each pair (a weight row
     * is read from memory once, then from cache), as {@link PairKernels} computes it.
     */
    private void multiplyPairs(float[] xq, float[] xd, int batch, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        float[] lanes = new float[16];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int pair = 0; 2 * pair < batch; pair++) {
                FloatVector acc = FloatVector.zero(F16_LANES);
                for (int k = 0; k < blocks; k++) {
                    long offset = rowOffset + (long) k * BLOCK_BYTES;
                    FloatVector d = FloatVector.broadcast(F16_LANES, HalfFloat.f16ToF32(data.get(SHORT, offset)));
                    ByteVector q = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
                    FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
                    FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
                    int block = pair * blocks + k;
                    FloatVector p = low.rearrange(Simd.LOW_HALF_TWICE).mul(FloatVector.fromArray(F16_LANES, xq, 64 * block));
                    p = low.rearrange(Simd.HIGH_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 16), p);
                    p = high.rearrange(Simd.LOW_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 32), p);
                    p = high.rearrange(Simd.HIGH_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 48), p);
                    acc = p.fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), acc);
                }
                acc.intoArray(lanes, 0);
                out[2 * pair * rows + r] = Simd.sum8(lanes, 0);
                if (2 * pair + 1 < batch) out[(2 * pair + 1) * rows + r] = Simd.sum8(lanes, 8);
            }
        }
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
            FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
            FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
            low.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k);
            low.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 16);
            high.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k + 32);
            high.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 48);
        }
    }

    /**
     * Input row {@code b}, against the activations pre-converted to floats (faster than converting each
     * block's bytes here). Vector API calls only, as {@link Simd#dot8Lanes} computes them: a helper taking
     * a vector can be left a call by C2, and the vector boxed, depending on what else the process compiled.
     */
    private void multiplyOne(float[] xq, float[] xd, int b, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        float[] lanes = new float[16];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F16_LANES);
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                float d = HalfFloat.f16ToF32(data.get(SHORT, offset));
                ByteVector w = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
                int s = b * blocks + k;
                FloatVector p = ((FloatVector) w.convertShape(VectorOperators.B2F, F16_LANES, 1)).fma(FloatVector.fromArray(F16_LANES, xq, s * BLOCK + 16),
                        ((FloatVector) w.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(FloatVector.fromArray(F16_LANES, xq, s * BLOCK)));
                acc = p.add(p.rearrange(Simd.SWAP_HALVES)).fma(FloatVector.broadcast(F16_LANES, d * xd[s]), acc);
            }
            acc.intoArray(lanes, 0);
            out[b * rows + r] = Simd.sum8(lanes, 0);
        }
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
