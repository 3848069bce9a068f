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
 * Q3_K weights: superblocks of 256 (110 bytes: 32 bytes of high bits, 64 bytes of 2-bit pairs, 12 bytes
 * of sixteen 6-bit scales, F16 {@code d}); element {@code i} is {@code d * (scale_(i/16) - 32) * q} with
 * {@code q} = its two low bits, less 4 where its high bit is clear. Each half of 128 elements takes 32 bytes
 * of pairs, four times (shifts 0, 2, 4, 6), and high bit {@code 4 * half + shift / 2} of the 32 high-bit
 * bytes. Activations are quantized to Q8_K; as ggml's AVX2 {@code vec_dot_q3_K_q8_K}, eight integer lanes
 * per superblock scaled into eight float lanes.
 */
public record Q3_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 110;

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        byte[] xq = input.q8kQuants();
        float[] xd = input.q8kScales();
        int batch = input.rows();
        int blocks = cols / QK_K;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = dot(rowOffset, blocks, xq, xd, b * blocks);
            }
        }
    }

    private float dot(long rowOffset, int blocks, byte[] xq, float[] xd, int xBlock) {
        FloatVector acc = FloatVector.zero(F8_LANES);
        int[] scales = new int[4];
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            unpackScales(offset, scales);
            IntVector sumi = IntVector.zero(I8_LANES);
            // eight runs of 32: per half of 128, bits 2j of its 32 bytes of pairs (j = 0..3), high bit run of the high-bit bytes
            for (int run = 0; run < 8; run++) {
                int half = run >> 2;
                int j = run & 3;
                ByteVector pairs = QuantBlocks.bytes(data, offset + 32 + 32L * half).lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                ByteVector high = QuantBlocks.bytes(data, offset).lanewise(VectorOperators.LSHR, run).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                int group = 2 * run;
                int word = scales[group >> 2] >>> (8 * (group & 3));
                sumi = QuantBlocks.dotEightLanes(pairs.or(high).sub((byte) 4), ByteVector.fromArray(B32_LANES, xq, xBase + 32 * run),
                        (word & 0xFF) - 32, ((word >>> 8) & 0xFF) - 32, sumi);
            }
            acc = ((FloatVector) sumi.convertShape(VectorOperators.I2F, F8_LANES, 0)).fma(FloatVector.broadcast(F8_LANES, d(offset, xd[xBlock + k])), acc);
        }
        return Simd.sum8(acc);
    }

    /** ggml's unpacking of the sixteen 6-bit scales (plus 32) into four little-endian words of four bytes. */
    private void unpackScales(long block, int[] words) {
        int aux0 = data.get(QuantBlocks.INT, block + 96);
        int aux1 = data.get(QuantBlocks.INT, block + 100);
        int tmp = data.get(QuantBlocks.INT, block + 104);
        words[0] = (aux0 & 0x0F0F_0F0F) | ((tmp & 0x0303_0303) << 4);
        words[1] = (aux1 & 0x0F0F_0F0F) | (((tmp >>> 2) & 0x0303_0303) << 4);
        words[2] = ((aux0 >>> 4) & 0x0F0F_0F0F) | (((tmp >>> 4) & 0x0303_0303) << 4);
        words[3] = ((aux1 >>> 4) & 0x0F0F_0F0F) | (((tmp >>> 6) & 0x0303_0303) << 4);
    }

    private float d(long offset, float activationScale) {
        return activationScale * HalfFloat.f16ToF32(data.get(SHORT, offset + 108));
    }

    /** Scale {@code i} (of 16) of the superblock at {@code block}, less 32: 4 low bits and 2 high bits from the 12 scale bytes. */
    private int scale(long block, int i) {
        long scales = block + 96;
        int low = i < 8 ? QuantBlocks.byteAt(data, scales + i) & 0x0F : QuantBlocks.byteAt(data, scales + i - 8) >>> 4;
        int high = (QuantBlocks.byteAt(data, scales + 8 + i % 4) >>> (2 * (i / 4))) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / QK_K;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        int y = offset;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float dAll = HalfFloat.f16ToF32(data.get(SHORT, block + 108));
            int is = 0;
            int m = 1;
            for (int half = 0; half < 2; half++) {
                long q = block + 32 + 32L * half;
                for (int j = 0; j < 4; j++) {
                    int shift = 2 * j;
                    for (int part = 0; part < 2; part++) {
                        float dl = dAll * scale(block, is++);
                        for (int l = 16 * part; l < 16 * part + 16; l++) {
                            int value = ((QuantBlocks.byteAt(data, q + l) >>> shift) & 3) - ((QuantBlocks.byteAt(data, block + l) & m) != 0 ? 0 : 4);
                            out[y++] = dl * value;
                        }
                    }
                    m <<= 1;
                }
            }
        }
    }
}
