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
 * Q5_0 weights: blocks of 32 five-bit values with one F16 scale (22 bytes: scale, 4 bytes of fifth bits,
 * 16 bytes of nibbles as Q4_0), each stored plus 16. Activations are quantized to Q8_0; as in ggml's
 * {@code vec_dot_q5_0_q8_0} (and tinyBLAS) each block gives eight integer lanes, scaled into eight float lanes.
 */
public record Q5_0Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_0;
    }

    /** One input row at a time; more through {@link PairKernels}, each weight row decoded once for a chunk of input rows. */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() > 1) {
            PairKernels.multiply(this::decodeRow, false, input, out, rows, cols, rowFrom, rowTo);
            return;
        }
        float[] xq = input.q8QuartersAsFloats();
        float[] xd = input.q8Scales();
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            out[r] = dot(rowOffset, blocks, xq, xd, 0);
        }
    }

    /** vec_dot_q5_0_q8_0: eight exact integer lanes per block pair, times both scales into eight float lanes (as {@link Q8_0Matrix}). */
    private float dot(long rowOffset, int blocks, float[] xq, float[] xd, int xBlock) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            FloatVector lanes = QuantBlocks.dot8LanesTwice(unpack(offset).rearrange(Simd.QUARTERS), xq, (xBlock + k) * BLOCK);
            acc = lanes.fma(FloatVector.broadcast(F16_LANES, scale), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = unpack(offset).rearrange(Simd.QUARTERS);
            FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
            FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
            low.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k);
            low.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 16);
            high.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k + 32);
            high.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 48);
        }
    }

    /** A block's 32 values (five bits minus 16) in element order. */
    private ByteVector unpack(long blockOffset) {
        return QuantBlocks.nibbles(data, blockOffset + 6)
                .or(QuantBlocks.highBits(data, blockOffset + 2))
                .sub((byte) 16);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block));
            int qh = data.get(QuantBlocks.INT, block + 2);
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = QuantBlocks.byteAt(data, block + 6 + j);
                int x0 = ((packed & 0x0F) | (((qh >>> j) << 4) & 0x10)) - 16;
                int x1 = ((packed >>> 4) | ((qh >>> (j + 12)) & 0x10)) - 16;
                out[offset + k * BLOCK + j] = x0 * d;
                out[offset + k * BLOCK + j + BLOCK / 2] = x1 * d;
            }
        }
    }
}
