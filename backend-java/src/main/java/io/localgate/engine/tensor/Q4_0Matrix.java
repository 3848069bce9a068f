package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B16_LANES;
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
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Q4_0 weights: blocks of 32 four-bit values with one F16 scale (18 bytes). Byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble, each stored plus 8.
 * Activations are quantized to Q8_0, as ggml does.
 *
 * <p>llama.cpp's CPU backend repacks Q4_0 matrices whose row count is a multiple of 8 into interleaved
 * blocks and multiplies them with kernels that scale each block's whole integer dot product; other
 * Q4_0 matrices go through the eight-lane kernels that Q8_0 uses. Both orders are followed here.
 */
public record Q4_0Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    /** As {@link Q8_0Matrix}'s: Q4_0's decoding costs more, so that from three rows on, a row decoded once pays. */
    private static final int DIRECT_ROWS = 2;
    private static final VectorShuffle<Byte> TWICE = VectorShuffle.fromOp(B32_LANES, i -> i % 16);
    private static final ByteVector NIBBLE_SHIFTS = ByteVector.zero(B32_LANES).blend((byte) 4, B32_LANES.indexInRange(-16, 16));

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_0;
    }

    /**
     * One input row at a time; more through {@link PairKernels}, each weight row decoded once for a chunk
     * of input rows, in the same two orders.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() > DIRECT_ROWS) {
            PairKernels.multiply(this::decodeRow, rows % 8 == 0, input, out, rows, cols, rowFrom, rowTo);
            return;
        }
        if (input.rows() > 1) {
            float[] lanes = new float[16];
            for (int pair = 0; 2 * pair < input.rows(); pair++) {
                multiplyPair(input.q8PairQuarters(), input.q8PairScales(), pair, input.rows(), rows % 8 == 0, out, rowFrom, rowTo, lanes);
            }
            return;
        }
        float[] x = input.q8AsFloats();
        float[] xd = input.q8Scales();
        int blocks = cols / BLOCK;
        if (rows % 8 == 0) {
            for (int r = rowFrom; r < rowTo; r++) out[r] = dotPerBlock((long) r * blocks * BLOCK_BYTES, blocks, x, xd);
            return;
        }
        byte[] xq = input.q8Quants();
        for (int r = rowFrom; r < rowTo; r++) out[r] = dotInLanes((long) r * blocks * BLOCK_BYTES, blocks, xq, xd, 0);
    }

    /**
     * The repacked kernels (gemv/gemm q4_0_8x8): whole-block integer sums, scaled and summed in order. A
     * block's products are exact integers in float lanes, and so is their sum (below 2^24), whatever the
     * order of the lane sum. The activations come converted to floats once per input. Vector API calls
     * only (see Q4_KMatrix.superblockSum: a helper taking a vector can be left a call, and box it).
     */
    private float dotPerBlock(long rowOffset, int blocks, float[] x, float[] xd) {
        float sum = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[k];
            ByteVector packed = ByteVector.fromMemorySegment(B16_LANES, data, offset + 2, LE);
            ByteVector high = packed.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            FloatVector low = ((FloatVector) packed.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F16_LANES, 0))
                    .mul(FloatVector.fromArray(F16_LANES, x, k * BLOCK));
            FloatVector products = ((FloatVector) high.convertShape(VectorOperators.B2F, F16_LANES, 0)).fma(FloatVector.fromArray(F16_LANES, x, k * BLOCK + 16), low);
            sum = Math.fma(products.reduceLanes(VectorOperators.ADD), scale, sum);
        }
        return sum;
    }

    /** vec_dot_q4_0_q8_0 and tinyBLAS_Q0_AVX: eight float lanes, as {@link Q8_0Matrix}. */
    private float dotInLanes(long rowOffset, int blocks, byte[] xq, float[] xd, int xBlock) {
        FloatVector acc = FloatVector.zero(Simd.F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[xBlock + k];
            ByteVector x = ByteVector.fromArray(B32_LANES, xq, (xBlock + k) * BLOCK).rearrange(Simd.QUARTERS);
            acc = Simd.dot8Lanes(unpack(offset).rearrange(Simd.QUARTERS), x).fma(FloatVector.broadcast(Simd.F16_LANES, scale), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
    }

    /** A block's 32 values (nibble minus 8) in element order: the 16 bytes twice, low nibbles then high. */
    private ByteVector unpack(long blockOffset) {
        ByteVector packed = ByteVector.fromMemorySegment(B16_LANES, data, blockOffset + 2, LE)
                .reinterpretShape(B32_LANES, 0).reinterpretAsBytes().rearrange(TWICE);
        return packed.lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and((byte) 0x0F).sub((byte) 8);
    }

    /*
     * A block's 32 values (nibble minus 8) {@link Simd#QUARTERS} regrouped straight from its 16 bytes: lane
     * i holds element e = 4 * (i % 8) + i / 8, the low nibble of byte e for e < 16, else the high nibble of
     * byte e - 16.
     */
    private static final VectorShuffle<Byte> QUARTERED_NIBBLES = VectorShuffle.fromOp(B32_LANES, i -> (4 * (i % 8) + i / 8) % 16);
    private static final ByteVector QUARTERED_SHIFTS = ByteVector.fromArray(B32_LANES, quarteredShifts(), 0);

    private static byte[] quarteredShifts() {
        byte[] shifts = new byte[32];
        for (int i = 0; i < 32; i++) shifts[i] = (byte) (4 * (i % 8) + i / 8 < 16 ? 0 : 4);
        return shifts;
    }

    /**
     * Input pair {@code pair} of {@code batch} rows, each weight block decoded in the loop, as {@link
     * PairKernels} computes it: eight lanes, or with {@code blockSums} whole-block sums.
     */
    private void multiplyPair(float[] xq, float[] xd, int pair, int batch, boolean blockSums, float[] out, int rowFrom, int rowTo, float[] lanes) {
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F16_LANES);
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(F16_LANES, HalfFloat.f16ToF32(data.get(SHORT, offset)));
                ByteVector q = ByteVector.fromMemorySegment(B16_LANES, data, offset + 2, LE).reinterpretShape(B32_LANES, 0).reinterpretAsBytes()
                        .rearrange(QUARTERED_NIBBLES).lanewise(VectorOperators.LSHR, QUARTERED_SHIFTS).and((byte) 0x0F).sub((byte) 8);
                FloatVector low = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 0);
                FloatVector high = (FloatVector) q.convertShape(VectorOperators.B2F, Simd.F16_LANES, 1);
                int block = pair * blocks + k;
                FloatVector p = low.rearrange(Simd.LOW_HALF_TWICE).mul(FloatVector.fromArray(F16_LANES, xq, 64 * block));
                p = low.rearrange(Simd.HIGH_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 16), p);
                p = high.rearrange(Simd.LOW_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 32), p);
                p = high.rearrange(Simd.HIGH_HALF_TWICE).fma(FloatVector.fromArray(F16_LANES, xq, 64 * block + 48), p);
                if (blockSums) {
                    p = p.add(p.rearrange(Simd.XOR4));
                    p = p.add(p.rearrange(Simd.XOR2));
                    p = p.add(p.rearrange(Simd.XOR1));
                }
                acc = p.fma(d.mul(FloatVector.fromArray(F16_LANES, xd, 16 * block)), acc);
            }
            acc.intoArray(lanes, 0);
            out[2 * pair * rows + r] = blockSums ? lanes[0] : Simd.sum8(lanes, 0);
            if (2 * pair + 1 < batch) out[(2 * pair + 1) * rows + r] = blockSums ? lanes[8] : Simd.sum8(lanes, 8);
        }
    }

    /** Row {@code row} as {@link PairKernels} takes it. */
    private void decodeRow(int row, float[] w, float[] wd) {
        int blocks = cols / BLOCK;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            wd[k] = HalfFloat.f16ToF32(data.get(SHORT, offset));
            ByteVector q = ByteVector.fromMemorySegment(B16_LANES, data, offset + 2, LE).reinterpretShape(B32_LANES, 0).reinterpretAsBytes()
                    .rearrange(QUARTERED_NIBBLES).lanewise(VectorOperators.LSHR, QUARTERED_SHIFTS).and((byte) 0x0F).sub((byte) 8);
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
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
                out[offset + k * BLOCK + j] = ((packed & 0x0F) - 8) * d;
                out[offset + k * BLOCK + j + BLOCK / 2] = ((packed >>> 4) - 8) * d;
            }
        }
    }
}
