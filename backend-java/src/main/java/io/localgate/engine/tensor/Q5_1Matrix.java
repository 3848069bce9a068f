package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_1 weights: blocks of 32 five-bit values with an F16 scale {@code d} and offset {@code m} (24 bytes:
 * {@code d}, {@code m}, 4 bytes of fifth bits, 16 bytes of nibbles), element {@code d * q + m}.
 * Activations are quantized to Q8_1; the dot product is {@link Q4_1Matrix}'s with the fifth bit added.
 */
public record Q5_1Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 24;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
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
        byte[] xq = input.q8Quants();
        float[] xd = input.q8Scales();
        float[] xs = input.q8Sums();
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            out[r] = dot(rowOffset, blocks, xq, xd, xs, 0);
        }
    }

    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, float[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        float offsets = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            offsets = Math.fma(HalfFloat.f16ToF32(data.get(SHORT, offset + 2)), xs[xBlock + k], offsets);
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            ByteVector w = QuantBlocks.nibbles(data, offset + 8)
                    .or(QuantBlocks.highBits(data, offset + 4));
            ByteVector x = ByteVector.fromArray(B32_LANES, xq, (xBlock + k) * BLOCK);
            FloatVector lanes = (FloatVector) QuantBlocks.dotInFours(w, x).convert(VectorOperators.I2F, 0);
            acc = lanes.fma(FloatVector.broadcast(F8_LANES, scale), acc);
        }
        return Simd.sum8(acc) + offsets;
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = QuantBlocks.nibbles(data, offset + 8).or(QuantBlocks.highBits(data, offset + 4)).rearrange(Simd.QUARTERS);
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
            int qh = data.get(QuantBlocks.INT, block + 4);
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = QuantBlocks.byteAt(data, block + 8 + j);
                int x0 = (packed & 0x0F) | (((qh >>> j) << 4) & 0x10);
                int x1 = (packed >>> 4) | ((qh >>> (j + 12)) & 0x10);
                out[offset + k * BLOCK + j] = x0 * d + m;
                out[offset + k * BLOCK + j + BLOCK / 2] = x1 * d + m;
            }
        }
    }
}
