package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.QuantBlocks.I8_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K weights: superblocks of 256 (84 bytes: sixteen bytes of a 4-bit scale and a 4-bit min, 64 bytes of
 * 2-bit values, F16 {@code d} and {@code dmin}); element {@code i} is
 * {@code d * scale_(i/16) * q - dmin * min_(i/16)}. Each half of 128 elements takes 32 bytes, four times
 * (shifts 0, 2, 4, 6). Activations are quantized to Q8_K.
 *
 * <p>llama.cpp on AVX-512 repacks Q2_K matrices whose row count is a multiple of 8 and scales each
 * superblock's integer sums once per row (as {@link Q4_KMatrix}); other matrices go through AVX2
 * {@code vec_dot_q2_K_q8_K}, eight integer lanes per superblock scaled into eight float lanes. Both are
 * followed here.
 */
public record Q2_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 84;

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        byte[] xq = input.q8kQuants();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int blocks = cols / QK_K;
        boolean repacked = rows % 8 == 0;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = repacked ? dotPerBlock(rowOffset, blocks, xq, xd, xs, b * blocks) : dotInLanes(rowOffset, blocks, xq, xd, xs, b * blocks);
            }
        }
    }

    private float dotPerBlock(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock) {
        float sum = 0f;
        float mins = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float yd = xd[xBlock + k];
            int sums = (xBlock + k) * QK_K / 16;
            int minSum = 0;
            for (int g = 0; g < 16; g++) minSum += (QuantBlocks.byteAt(data, offset + g) >>> 4) * xs[sums + g];
            int products = products(offset, xq, (xBlock + k) * QK_K).reduceLanes(VectorOperators.ADD);
            sum = Math.fma(products, HalfFloat.f16ToF32(data.get(SHORT, offset + 80)) * yd, sum);
            mins = Math.fma(minSum, HalfFloat.f16ToF32(data.get(SHORT, offset + 82)) * yd, mins);
        }
        return sum - mins;
    }

    private float dotInLanes(long rowOffset, int blocks, byte[] xq, float[] xd, short[] xs, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        int[] minLanes = new int[8];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 80));
            float dmin = -xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 82));
            int sums = (xBlock + k) * QK_K / 16;
            for (int l = 0; l < 8; l++) {
                minLanes[l] = (QuantBlocks.byteAt(data, offset + 2 * l) >>> 4) * xs[sums + 2 * l]
                        + (QuantBlocks.byteAt(data, offset + 2 * l + 1) >>> 4) * xs[sums + 2 * l + 1];
            }
            FloatVector minProducts = (FloatVector) IntVector.fromArray(I8_LANES, minLanes, 0).convert(VectorOperators.I2F, 0);
            acc = minProducts.fma(FloatVector.broadcast(F8_LANES, dmin), acc);
            FloatVector lanes = (FloatVector) products(offset, xq, (xBlock + k) * QK_K).convert(VectorOperators.I2F, 0);
            acc = lanes.fma(FloatVector.broadcast(F8_LANES, d), acc);
        }
        return Simd.sum8(acc);
    }

    /** The superblock's scaled integer products in eight lanes. */
    private IntVector products(long offset, byte[] xq, int x) {
        IntVector sumi = IntVector.zero(I8_LANES);
        // eight runs of 32: per half of 128, bits 2j of its 32 bytes (j = 0..3); two scales of 16 each
        for (int run = 0; run < 8; run++) {
            ByteVector w = QuantBlocks.bytes(data, offset + 16 + 32L * (run >> 2)).lanewise(VectorOperators.LSHR, 2 * (run & 3)).and((byte) 3);
            sumi = QuantBlocks.dotEightLanes(w, ByteVector.fromArray(B32_LANES, xq, x + 32 * run),
                    QuantBlocks.byteAt(data, offset + 2L * run) & 0x0F, QuantBlocks.byteAt(data, offset + 2L * run + 1) & 0x0F, sumi);
        }
        return sumi;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / QK_K;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        int y = offset;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block + 80));
            float min = HalfFloat.f16ToF32(data.get(SHORT, block + 82));
            int is = 0;
            for (int half = 0; half < 2; half++) {
                long q = block + 16 + 32L * half;
                for (int j = 0; j < 4; j++) {
                    int shift = 2 * j;
                    for (int part = 0; part < 2; part++) {
                        int sc = QuantBlocks.byteAt(data, block + is++);
                        float dl = d * (sc & 0x0F);
                        float ml = min * (sc >>> 4);
                        for (int l = 16 * part; l < 16 * part + 16; l++) {
                            out[y++] = dl * ((QuantBlocks.byteAt(data, q + l) >>> shift) & 3) - ml;
                        }
                    }
                }
            }
        }
    }
}
