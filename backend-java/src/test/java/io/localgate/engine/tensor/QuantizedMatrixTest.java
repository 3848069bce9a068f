package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The block types with offsets, non-linear values and K-quant superblocks: the fused kernels compute, in
 * every order they follow, what the scalar dequantization says the weights are against the quantized
 * activations. (Bit-exactness of the dequantization with ggml's own is checked through the bridge, in
 * backend-native's {@code GgmlTypeTraitsTest}.)
 */
class QuantizedMatrixTest {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void productsMatchTheDequantizedWeights(GgmlType type) {
        var random = new Random(type.id());
        // rows a multiple of 8 or not (llama.cpp repacks some types then); batches below, at and above four rows
        for (int rows : new int[] {8, 12}) {
            for (int cols : new int[] {256, 768}) {
                for (int batch : new int[] {1, 3, 5}) {
                    try (Arena arena = Arena.ofConfined()) {
                        Matrix m = Matrix.of(type, randomBlocks(type, (long) rows * cols / type.blockSize(), random, arena), rows, cols);
                        float[] x = new float[batch * cols];
                        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                        var input = new MatmulInput(batch, cols).set(x, batch, new boolean[batch]);
                        input.prepare(m.dotType());
                        float[] out = new float[batch * rows];
                        m.multiply(input, out, 0, rows);
                        float[] w = new float[cols];
                        for (int r = 0; r < rows; r++) {
                            m.dequantizeRow(r, w, 0);
                            for (int b = 0; b < batch; b++) {
                                double expected = 0;
                                double magnitude = 0;
                                for (int i = 0; i < cols; i++) {
                                    double a = activation(input, m.dotType(), b * cols + i);
                                    expected += w[i] * a;
                                    magnitude += Math.abs(w[i] * a);
                                }
                                if (m.dotType() == DotType.Q8_1) expected += q8_1OffsetRounding(m, input, r, b);
                                assertThat((double) out[b * rows + r]).as("%s %dx%d row %d input %d of %d", type, rows, cols, r, b, batch)
                                        .isCloseTo(expected, within(2e-6 * magnitude + 1e-6));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void q8kQuantizationScalesByTheLargestMagnitudeWithItsSignAndRoundsHalfToEven() {
        float[] x = new float[256];
        x[3] = -127f;
        x[7] = 64.5f;
        x[8] = 0.5f;
        x[9] = 1.5f;
        x[20] = -2.5f;
        byte[] quants = new byte[256];
        short[] sums = new short[16];
        float d = ActivationQuants.quantizeQ8K(x, 0, quants, sums);
        assertThat(d).isEqualTo(1f);
        assertThat(new byte[] {quants[3], quants[7], quants[8], quants[9], quants[20]}).containsExactly(-127, 64, 0, 2, -2);
        assertThat(sums[0]).isEqualTo((short) (-127 + 64 + 2));
        assertThat(sums[1]).isEqualTo((short) -2);
        x[3] = 127f; // the largest value positive: the scale's sign flips, so the quants' signs do
        ActivationQuants.quantizeQ8K(x, 0, quants, sums);
        assertThat(new byte[] {quants[3], quants[7], quants[20]}).containsExactly(-127, -64, 2);
    }

    /** An activation as the dot product sees it (Q8_1's offsets are part of the weights' dequantized values). */
    private static double activation(MatmulInput input, DotType type, int i) {
        return switch (type) {
            case Q8_0, Q8_1 -> input.q8Quants()[i] * input.q8Scales()[i / 32];
            case Q8_K -> input.q8kQuants()[i] * input.q8kScales()[i / ActivationQuants.QK_K];
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /**
     * Q8_1 carries each block's activation sum as {@code s}, rounded to F16 from the unrounded scale, and the
     * kernel multiplies the weights' offsets {@code m} with it: the difference from the dequantized sum.
     */
    private static double q8_1OffsetRounding(Matrix m, MatmulInput input, int row, int inputRow) {
        MemorySegment data = m instanceof Q4_1Matrix q ? q.data() : ((Q5_1Matrix) m).data();
        int blocks = m.cols() / 32;
        double difference = 0;
        for (int k = 0; k < blocks; k++) {
            int block = inputRow * blocks + k;
            double sum = 0;
            for (int i = 0; i < 32; i++) sum += input.q8Quants()[block * 32 + i] * (double) input.q8Scales()[block];
            float offset = HalfFloat.f16ToF32(data.get(SHORT, ((long) row * blocks + k) * m.type().typeSize() + 2));
            difference += offset * (input.q8Sums()[block] - sum);
        }
        return difference;
    }

    /** Random bytes, with each block's F16 scales drawn as small finite values. */
    static MemorySegment randomBlocks(GgmlType type, long blocks, Random random, Arena arena) {
        MemorySegment data = arena.allocate(blocks * type.typeSize());
        for (long i = 0; i < data.byteSize(); i++) data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        for (long block = 0; block < blocks; block++) {
            for (int field : f16Fields(type)) {
                data.set(SHORT, block * type.typeSize() + field, HalfFloat.f32ToF16((random.nextFloat() - 0.25f) * 0.01f));
            }
        }
        return data;
    }

    /** Byte offsets of the F16 fields in a block (ggml-common.h). */
    static int[] f16Fields(GgmlType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
