package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IQ4_NL weights: blocks of 32 four-bit indices into a fixed non-linear table of 16 int8 values, with one
 * F16 scale (18 bytes, nibbles laid out as Q4_0). Activations are quantized to Q8_0.
 *
 * <p>llama.cpp's CPU backend repacks IQ4_NL matrices whose row count is a multiple of 8 and scales each
 * block's whole integer dot product; other matrices go through {@code vec_dot_iq4_nl_q8_0}, which keeps
 * even and odd blocks in two sets of eight float lanes. Both orders are followed here.
 */
public record IQ4_NLMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    /** ggml's {@code kvalues_iq4nl}. */
    private static final byte[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    /** The table twice: a vector of 32 lanes to select from. */
    private static final ByteVector VALUES = ByteVector.fromArray(B32_LANES, twice(KVALUES), 0);

    private static byte[] twice(byte[] table) {
        byte[] both = new byte[2 * table.length];
        System.arraycopy(table, 0, both, 0, table.length);
        System.arraycopy(table, 0, both, table.length, table.length);
        return both;
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_0;
    }

    /**
     * Several input rows of a repacked matrix go through {@link PairKernels}, each weight row decoded once
     * for a chunk of input rows; the others one at a time.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        boolean repacked = rows % 8 == 0;
        if (repacked && input.rows() > 1) {
            PairKernels.multiply(this::decodeRow, true, input, out, rows, cols, rowFrom, rowTo);
            return;
        }
        float[] xq = input.q8QuartersAsFloats();
        float[] xd = input.q8Scales();
        int batch = input.rows();
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = repacked ? dotPerBlock(rowOffset, blocks, xq, xd, b * blocks) : dotInLanes(rowOffset, blocks, xq, xd, b * blocks);
            }
        }
    }

    /** The repacked kernels (gemv/gemm iq4_nl_8x8): whole-block integer sums, scaled and summed in order. */
    private float dotPerBlock(long rowOffset, int blocks, float[] xq, float[] xd, int xBlock) {
        float sum = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            float products = QuantBlocks.products(values(offset), QuantBlocks.at(xq, (xBlock + k) * BLOCK), QuantBlocks.at(xq, (xBlock + k) * BLOCK + 16)).reduceLanes(VectorOperators.ADD);
            sum = Math.fma(products, scale, sum);
        }
        return sum;
    }

    /** {@code vec_dot_iq4_nl_q8_0}: pairs of blocks into two sets of eight lanes, an odd last block added alone. */
    private float dotInLanes(long rowOffset, int blocks, float[] xq, float[] xd, int xBlock) {
        FloatVector even = FloatVector.zero(F16_LANES);
        FloatVector odd = FloatVector.zero(F16_LANES);
        int k = 0;
        for (; k + 1 < blocks; k += 2) {
            even = accumulate(rowOffset + (long) k * BLOCK_BYTES, xq, xd, xBlock + k, even);
            odd = accumulate(rowOffset + (long) (k + 1) * BLOCK_BYTES, xq, xd, xBlock + k + 1, odd);
        }
        float sum = Simd.sum8((FloatVector) even.add(odd).reinterpretShape(F8_LANES, 0));
        if (k < blocks) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset));
            sum = Math.fma(scale, QuantBlocks.products(values(offset), QuantBlocks.at(xq, (xBlock + k) * BLOCK), QuantBlocks.at(xq, (xBlock + k) * BLOCK + 16)).reduceLanes(VectorOperators.ADD), sum);
        }
        return sum;
    }

    private FloatVector accumulate(long offset, float[] xq, float[] xd, int xBlock, FloatVector acc) {
        float scale = xd[xBlock] * HalfFloat.f16ToF32(data.get(SHORT, offset));
        return QuantBlocks.dot8LanesTwice(values(offset), xq, xBlock * BLOCK).fma(FloatVector.broadcast(F16_LANES, scale), acc);
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = QuantBlocks.nibbles(data, offset + 2).selectFrom(VALUES).rearrange(Simd.QUARTERS);
            FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
            FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
            low.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k);
            low.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 16);
            high.rearrange(Simd.LOW_HALF_TWICE).intoArray(w, 64 * k + 32);
            high.rearrange(Simd.HIGH_HALF_TWICE).intoArray(w, 64 * k + 48);
        }
    }

    /**
     * A block's 32 values, {@link Simd#QUARTERS} regrouped. Products with the quants and their sums are
     * exact integers in float lanes (each below 127 * 127, a block's sum below 2^19), in any order.
     */
    private ByteVector values(long offset) {
        return QuantBlocks.nibbles(data, offset + 2).selectFrom(VALUES).rearrange(Simd.QUARTERS);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block));
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = QuantBlocks.byteAt(data, block + 2 + j);
                out[offset + k * BLOCK + j] = d * KVALUES[packed & 0x0F];
                out[offset + k * BLOCK + j + BLOCK / 2] = d * KVALUES[packed >>> 4];
            }
        }
    }
}
