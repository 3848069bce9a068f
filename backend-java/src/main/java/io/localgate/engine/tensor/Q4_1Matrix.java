package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_1 weights: blocks of 32 four-bit values with an F16 scale {@code d} and offset {@code m} (20 bytes),
 * element {@code d * q + m}, nibbles laid out as Q4_0. Activations are quantized to Q8_1, whose per-block
 * {@code s = d * sum(quants)} carries the offsets: as in ggml's {@code vec_dot_q4_1_q8_1}, eight integer
 * lanes per block scaled into eight float lanes, plus the running sum of {@code m * s}.
 */
public record Q4_1Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_1;
    }

    /**
     * One input row at a time; more through {@link PairKernels}, each weight row decoded once for a chunk
     * of input rows, then the offsets added.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() > 1) {
            PairKernels.multiply(this::decodeRow, false, input, out, rows, cols, rowFrom, rowTo);
            PairKernels.addOffsets(data, BLOCK_BYTES, input, out, rows, cols, rowFrom, rowTo);
            return;
        }
        float[] xq = input.q8QuartersAsFloats();
        float[] xd = input.q8Scales();
        float[] xs = input.q8Sums();
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            out[r] = dot(rowOffset, blocks, xq, xd, xs, 0);
        }
    }

    /** vec_dot_q4_1_q8_1: eight exact integer lanes per block pair, times both scales into eight float lanes; the mins against Q8_1's sums. */
    private float dot(long rowOffset, int blocks, float[] xq, float[] xd, float[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        float offsets = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            offsets = Math.fma(HalfFloat.f16ToF32(data.get(SHORT, offset + 2)), xs[xBlock + k], offsets);
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            FloatVector lanes = QuantBlocks.dot8LanesTwice(QuantBlocks.nibbles(data, offset + 4).rearrange(Simd.QUARTERS), xq, (xBlock + k) * BLOCK);
            acc = lanes.fma(FloatVector.broadcast(F16_LANES, scale), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0)) + offsets;
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = QuantBlocks.nibbles(data, offset + 4).rearrange(Simd.QUARTERS);
            FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
            FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
            low.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k);
            low.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 16);
            high.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k + 32);
            high.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 48);
        }
    }


    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block));
            float m = HalfFloat.f16ToF32(data.get(SHORT, block + 2));
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = QuantBlocks.byteAt(data, block + 4 + j);
                out[offset + k * BLOCK + j] = (packed & 0x0F) * d + m;
                out[offset + k * BLOCK + j + BLOCK / 2] = (packed >>> 4) * d + m;
            }
        }
    }
}
