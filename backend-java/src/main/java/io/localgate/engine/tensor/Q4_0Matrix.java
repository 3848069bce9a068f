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
     * One input row at a time, or more in pairs, two pairs at a time, each weight block decoded to floats
     * once for all of them (see {@link Simd#pairLanes}). Each row's lanes, scales and sums are those of
     * the one-row kernel, so a row's result does not depend on its batch.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        int batch = input.rows();
        boolean repacked = rows % 8 == 0;
        if (batch == 1) {
            float[] xq = input.q8QuartersAsFloats();
            float[] xd = input.q8Scales();
            int blocks = cols / BLOCK;
            for (int r = rowFrom; r < rowTo; r++) {
                long rowOffset = (long) r * blocks * BLOCK_BYTES;
                out[r] = repacked ? dotPerBlock(rowOffset, blocks, xq, xd) : dotInLanes(rowOffset, blocks, xq, xd);
            }
            return;
        }
        int pairs = (batch + 1) / 2;
        float[] lanes = new float[16];
        for (int p = 0; p < pairs; p += 2) {
            int count = Math.min(2, pairs - p);
            if (repacked) multiplyPairsPerBlock(input.q8PairQuarters(), input.q8PairScales(), p, count, batch, out, rowFrom, rowTo, lanes);
            else multiplyPairsInLanes(input.q8PairQuarters(), input.q8PairScales(), p, count, batch, out, rowFrom, rowTo, lanes);
        }
    }

    /**
     * The repacked kernels (gemv/gemm q4_0_8x8): whole-block integer sums, scaled and summed in order. A
     * block's products are exact integers in float lanes, and so is their sum (below 2^24), whatever the
     * order of the lane sum.
     */
    private float dotPerBlock(long rowOffset, int blocks, float[] xq, float[] xd) {
        float sum = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[k];
            float products = QuantBlocks.products(unpack(offset).rearrange(Simd.QUARTERS), QuantBlocks.at(xq, k * BLOCK), QuantBlocks.at(xq, k * BLOCK + 16)).reduceLanes(VectorOperators.ADD);
            sum = Math.fma(products, scale, sum);
        }
        return sum;
    }

    /** vec_dot_q4_0_q8_0 and tinyBLAS_Q0_AVX: eight float lanes, as {@link Q8_0Matrix}. */
    private float dotInLanes(long rowOffset, int blocks, float[] xq, float[] xd) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float scale = HalfFloat.f16ToF32(data.get(SHORT, offset)) * xd[k];
            acc = QuantBlocks.dot8LanesTwice(unpack(offset).rearrange(Simd.QUARTERS), xq, k * BLOCK).fma(FloatVector.broadcast(F16_LANES, scale), acc);
        }
        return Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
    }

    /** {@link #dotPerBlock} for input pairs {@code pair} and (when {@code count} is 2) {@code pair + 1} of {@code batch} rows. */
    private void multiplyPairsPerBlock(float[] xq, float[] xd, int pair, int count, int batch, float[] out, int rowFrom, int rowTo, float[] lanes) {
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector sum0 = FloatVector.zero(F16_LANES);
            FloatVector sum1 = sum0;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(F16_LANES, HalfFloat.f16ToF32(data.get(SHORT, offset)));
                ByteVector w = unpack(offset).rearrange(Simd.QUARTERS);
                FloatVector low = QuantBlocks.floatsOfPart0(w);
                FloatVector high = QuantBlocks.floatsOfPart1(w);
                FloatVector w0 = Simd.lowHalfTwice(low);
                FloatVector w1 = Simd.highHalfTwice(low);
                FloatVector w2 = Simd.lowHalfTwice(high);
                FloatVector w3 = Simd.highHalfTwice(high);
                int block = pair * blocks + k;
                sum0 = Simd.pairBlockSums(Simd.pairLanes(w0, w1, w2, w3, xq, block * 64)).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), sum0);
                if (count > 1) {
                    block += blocks;
                    sum1 = Simd.pairBlockSums(Simd.pairLanes(w0, w1, w2, w3, xq, block * 64)).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), sum1);
                }
            }
            sum0.intoArray(lanes, 0);
            write(lanes[0], lanes[8], 2 * pair, batch, out, r);
            if (count > 1) {
                sum1.intoArray(lanes, 0);
                write(lanes[0], lanes[8], 2 * pair + 2, batch, out, r);
            }
        }
    }

    /** {@link #dotInLanes} for input pairs {@code pair} and (when {@code count} is 2) {@code pair + 1} of {@code batch} rows. */
    private void multiplyPairsInLanes(float[] xq, float[] xd, int pair, int count, int batch, float[] out, int rowFrom, int rowTo, float[] lanes) {
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(F16_LANES);
            FloatVector acc1 = acc0;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(F16_LANES, HalfFloat.f16ToF32(data.get(SHORT, offset)));
                ByteVector w = unpack(offset).rearrange(Simd.QUARTERS);
                FloatVector low = QuantBlocks.floatsOfPart0(w);
                FloatVector high = QuantBlocks.floatsOfPart1(w);
                FloatVector w0 = Simd.lowHalfTwice(low);
                FloatVector w1 = Simd.highHalfTwice(low);
                FloatVector w2 = Simd.lowHalfTwice(high);
                FloatVector w3 = Simd.highHalfTwice(high);
                int block = pair * blocks + k;
                acc0 = Simd.pairLanes(w0, w1, w2, w3, xq, block * 64).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), acc0);
                if (count > 1) {
                    block += blocks;
                    acc1 = Simd.pairLanes(w0, w1, w2, w3, xq, block * 64).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), acc1);
                }
            }
            acc0.intoArray(lanes, 0);
            write(Simd.sum8(lanes, 0), Simd.sum8(lanes, 8), 2 * pair, batch, out, r);
            if (count > 1) {
                acc1.intoArray(lanes, 0);
                write(Simd.sum8(lanes, 0), Simd.sum8(lanes, 8), 2 * pair + 2, batch, out, r);
            }
        }
    }

    /** The results of input rows {@code b} and {@code b + 1} (when there is one). */
    private void write(float first, float second, int b, int batch, float[] out, int r) {
        out[b * rows + r] = first;
        if (b + 1 < batch) out[(b + 1) * rows + r] = second;
    }

    /** A block's 32 values (nibble minus 8) in element order: the 16 bytes twice, low nibbles then high. */
    private ByteVector unpack(long blockOffset) {
        ByteVector packed = ByteVector.fromMemorySegment(B16_LANES, data, blockOffset + 2, LE)
                .reinterpretShape(B32_LANES, 0).reinterpretAsBytes().rearrange(TWICE);
        return packed.lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and((byte) 0x0F).sub((byte) 8);
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
