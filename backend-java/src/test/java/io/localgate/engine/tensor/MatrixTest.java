package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The vector kernels compute what the scalar dequantization says the weights are. */
class MatrixTest {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void everyF16ValueConvertsExactly() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        for (int i = 0; i < all.length; i += 16) {
            float[] converted = Simd.f16ToF32(ShortVector.fromArray(Simd.S16_LANES, all, i)).toArray();
            for (int j = 0; j < 16; j++) {
                float expected = Float.float16ToFloat(all[i + j]);
                if (Float.isNaN(expected)) assertThat(converted[j]).isNaN();
                else assertThat(Float.floatToRawIntBits(converted[j])).as("f16 %04x", i + j).isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void q8QuantizationRoundsHalfToEvenWithTheF16Scale() {
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -3.5f;
        x[3] = 0.5f;
        byte[] quants = new byte[32];
        float scale = Q8_0Matrix.quantizeBlock(x, 0, quants, 0);
        assertThat(scale).isEqualTo(1f);
        assertThat(quants[0]).isEqualTo((byte) 127);
        assertThat(quants[1]).isEqualTo((byte) 2);
        assertThat(quants[2]).isEqualTo((byte) -4);
        assertThat(quants[3]).isEqualTo((byte) 0);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void productsMatchTheDequantizedWeights(GgmlType type) {
        var random = new Random(type.ordinal());
        for (int rows : new int[] {12, 16, 20}) {
            for (int cols : new int[] {64, 160, 192}) {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix m = Matrix.of(type, randomWeights(type, rows, cols, random, arena), rows, cols);
                    int batch = 3;
                    float[] x = new float[batch * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                    boolean[] multiRow = {true, false, true};
                    var input = new MatmulInput(batch, cols).set(x, batch, multiRow);
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
                            assertThat((double) out[b * rows + r]).as("%s %dx%d row %d input %d", type, rows, cols, r, b)
                                    .isCloseTo(expected, within(1e-5 * magnitude + 1e-6));
                        }
                    }
                }
            }
        }
    }

    /**
     * One F16 row as ggml_vec_dot_f16 sums it, written out in scalars: four 16-lane accumulators taking
     * the vectors at 64 n + 16 j in turn (fma per lane), their sum as _mm512_reduce_add_ps after adding
     * (0 + 2) + (1 + 3), then the tail and the total in double.
     */
    @Test
    void f16RowsFollowGgmlsOrder() {
        var random = new Random(16);
        int rows = 3;
        for (int cols : new int[] {64, 200, 1024}) {
            try (Arena arena = Arena.ofConfined()) {
                Matrix m = Matrix.of(GgmlType.F16, randomWeights(GgmlType.F16, rows, cols, random, arena), rows, cols);
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
                var input = new MatmulInput(1, cols).set(x, 1, new boolean[1]);
                input.prepare(m.dotType());
                float[] out = new float[rows];
                m.multiply(input, out, 0, rows);
                float[] w = new float[cols];
                for (int r = 0; r < rows; r++) {
                    m.dequantizeRow(r, w, 0);
                    float[][] acc = new float[4][16];
                    int whole = cols - cols % 64;
                    for (int i = 0; i < whole; i++) acc[(i / 16) % 4][i % 16] = Math.fma(w[i], input.f16()[i], acc[(i / 16) % 4][i % 16]);
                    float[] lanes = new float[16];
                    for (int l = 0; l < 16; l++) lanes[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
                    float[] half = new float[8];
                    for (int l = 0; l < 8; l++) half[l] = lanes[l] + lanes[l + 8];
                    float[] quarter = new float[4];
                    for (int l = 0; l < 4; l++) quarter[l] = half[l] + half[l + 4];
                    double expected = whole > 0 ? (quarter[0] + quarter[2]) + (quarter[1] + quarter[3]) : 0;
                    for (int i = whole; i < cols; i++) expected += w[i] * input.f16()[i];
                    assertThat(Float.floatToRawIntBits(out[r])).as("row %d of %d", r, cols).isEqualTo(Float.floatToRawIntBits((float) expected));
                }
            }
        }
    }

    /** An activation as the dot product sees it. */
    private static double activation(MatmulInput input, DotType type, int i) {
        return switch (type) {
            case F32 -> input.f32()[i];
            case F16 -> input.f16()[i];
            case BF16 -> HalfFloat.bf16ToF32(input.bf16()[i]);
            case Q8_0, Q8_1 -> input.q8Quants()[i] * input.q8Scales()[i / 32];
            case Q8_K -> input.q8kQuants()[i] * input.q8kScales()[i / ActivationQuants.QK_K];
        };
    }

    private static MemorySegment randomWeights(GgmlType type, int rows, int cols, Random random, Arena arena) {
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = arena.allocate(bytes);
        switch (type) {
            case F32 -> { for (long i = 0; i < bytes; i += 4) data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) random.nextGaussian()); }
            case F16 -> { for (long i = 0; i < bytes; i += 2) data.set(SHORT, i, HalfFloat.f32ToF16((float) random.nextGaussian())); }
            case BF16 -> { for (long i = 0; i < bytes; i += 2) data.set(SHORT, i, HalfFloat.f32ToBf16((float) random.nextGaussian())); }
            default -> {
                for (long i = 0; i < bytes; i++) data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
                for (long block = 0; block < bytes; block += type.typeSize()) {
                    data.set(SHORT, block, HalfFloat.f32ToF16(random.nextFloat() * 0.01f));
                }
            }
        }
        return data;
    }
}
