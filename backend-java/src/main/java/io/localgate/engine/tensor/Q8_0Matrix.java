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

    /**
     * One input row: {@link #multiplyOne}; more: in pairs, up to four pairs at a time, each weight block
     * decoded to floats once for all of them (see {@link Simd#pairLanes}). Each row's lanes, scales and
     * sums are those of the one-row kernel, so a row's result does not depend on its batch.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        int batch = input.rows();
        if (batch == 1) {
            multiplyOne(input.q8QuartersAsFloats(), input.q8Scales(), 0, out, rowFrom, rowTo);
            return;
        }
        int pairs = (batch + 1) / 2;
        float[] lanes = new float[16];
        for (int p = 0; p < pairs; p += 2) {
            multiplyPairs(input.q8PairQuarters(), input.q8PairScales(), p, Math.min(2, pairs - p), batch, out, rowFrom, rowTo, lanes);
        }
    }

    /** Input row {@code b}. */
    private void multiplyOne(float[] xq, float[] xd, int b, float[] out, int rowFrom, int rowTo) {
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F16_LANES);
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                float d = HalfFloat.f16ToF32(data.get(SHORT, offset));
                ByteVector w = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
                FloatVector w0 = QuantBlocks.floatsOfPart0(w);
                FloatVector w1 = QuantBlocks.floatsOfPart1(w);
                int s = b * blocks + k;
                acc = Simd.dot8Lanes(w0, w1, xq, s * BLOCK).fma(FloatVector.broadcast(F16_LANES, d * xd[s]), acc);
            }
            out[b * rows + r] = Simd.sum8((FloatVector) acc.reinterpretShape(F8_LANES, 0));
        }
    }

    /** Input pairs {@code pair..pair+count-1} (count 1 to 4) of {@code batch} rows: eight float lanes each row, as {@link #multiplyOne}. */
    private void multiplyPairs(float[] xq, float[] xd, int pair, int count, int batch, float[] out, int rowFrom, int rowTo, float[] lanes) {
        int blocks = cols / BLOCK;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc0 = FloatVector.zero(F16_LANES);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(F16_LANES, HalfFloat.f16ToF32(data.get(SHORT, offset)));
                ByteVector w = ByteVector.fromMemorySegment(B32_LANES, data, offset + 2, LE).rearrange(Simd.QUARTERS);
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
                if (count > 2) {
                    block += blocks;
                    acc2 = Simd.pairLanes(w0, w1, w2, w3, xq, block * 64).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), acc2);
                }
                if (count > 3) {
                    block += blocks;
                    acc3 = Simd.pairLanes(w0, w1, w2, w3, xq, block * 64).fma(d.mul(FloatVector.fromArray(F16_LANES, xd, block * 16)), acc3);
                }
            }
            acc0.intoArray(lanes, 0);
            writePair(lanes, 2 * pair, batch, out, r);
            if (count > 1) {
                acc1.intoArray(lanes, 0);
                writePair(lanes, 2 * pair + 2, batch, out, r);
            }
            if (count > 2) {
                acc2.intoArray(lanes, 0);
                writePair(lanes, 2 * pair + 4, batch, out, r);
            }
            if (count > 3) {
                acc3.intoArray(lanes, 0);
                writePair(lanes, 2 * pair + 6, batch, out, r);
            }
        }
    }

    /** The results of input rows {@code b} and {@code b + 1} (when there is one) from their float lanes. */
    private void writePair(float[] lanes, int b, int batch, float[] out, int r) {
        out[b * rows + r] = Simd.sum8(lanes, 0);
        if (b + 1 < batch) out[(b + 1) * rows + r] = Simd.sum8(lanes, 8);
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
