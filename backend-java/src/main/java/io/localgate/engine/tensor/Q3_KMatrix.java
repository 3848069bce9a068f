package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F8_LANES;
import static io.localgate.engine.tensor.Simd.I8_LANES;
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
        for (int k = 0; k < blocks; k++) {
            long offset = rowOffset + (long) k * BLOCK_BYTES;
            int xBase = (xBlock + k) * QK_K;
            float d = xd[xBlock + k] * HalfFloat.f16ToF32(data.get(SHORT, offset + 108));
            ByteVector highBits = QuantBlocks.bytes(data, offset);
            IntVector sumi = IntVector.zero(I8_LANES);
            for (int half = 0; half < 2; half++) {
                ByteVector pairs = QuantBlocks.bytes(data, offset + 32 + 32L * half);
                for (int j = 0; j < 4; j++) {
                    ByteVector low = pairs.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                    ByteVector high = highBits.lanewise(VectorOperators.LSHR, 4 * half + j).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                    ByteVector w = low.or(high).sub((byte) 4);
                    int group = 8 * half + 2 * j;
                    sumi = QuantBlocks.dotEightLanes(w, ByteVector.fromArray(B32_LANES, xq, xBase + 128 * half + 32 * j),
                            scale(offset, group), scale(offset, group + 1), sumi);
                }
            }
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8_LANES, d), acc);
        }
        return Simd.sum8(acc);
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
