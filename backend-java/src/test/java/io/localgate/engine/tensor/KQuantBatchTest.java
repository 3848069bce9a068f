package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The K-quant kernels that take several input rows at once give each row, bit for bit, what that row
 * alone gives, on any range of weight rows. For Q4_K matrices that llama.cpp repacks (rows a multiple of
 * 8) a row's result also depends on whether it falls in a group of four (gemm) or after them (gemv): the
 * reference for a row in a group is then a batch of four copies of it.
 */
class KQuantBatchTest {

    private static final int[] BATCHES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17};

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void batchedRowsEqualEachRowAloneBitForBit(GgmlType type) {
        var random = new Random(31 * type.id());
        for (int rows : new int[] {40, 36}) {
            int cols = 512;
            try (Arena arena = Arena.ofConfined()) {
                Matrix m = Matrix.of(type, QuantizedMatrixTest.randomBlocks(type, (long) rows * cols / type.blockSize(), random, arena), rows, cols);
                for (int batch : BATCHES) {
                    float[] x = new float[batch * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 5 : 1);
                    float[] out = multiply(m, x, batch, 0, rows);
                    // a sub-range: other rows stay untouched
                    int from = 3;
                    int to = rows - 5;
                    float[] part = multiply(m, x, batch, from, to);
                    for (int b = 0; b < batch; b++) {
                        boolean inGroupOfFour = type == GgmlType.Q4_K && rows % 8 == 0 && b < batch - batch % 4;
                        float[] alone = alone(m, x, b, cols, inGroupOfFour ? 4 : 1);
                        for (int r = 0; r < rows; r++) {
                            String what = "%s %dx%d batch %d input row %d weight row %d".formatted(type, rows, cols, batch, b, r);
                            assertThat(Float.floatToRawIntBits(out[b * rows + r])).as(what).isEqualTo(Float.floatToRawIntBits(alone[r]));
                            float expectedPart = r >= from && r < to ? alone[r] : 0f;
                            assertThat(Float.floatToRawIntBits(part[b * rows + r])).as(what + " in range").isEqualTo(Float.floatToRawIntBits(expectedPart));
                        }
                    }
                }
            }
        }
    }

    /**
     * The Q4_K gemm (groups of four input rows, rows a multiple of 8) against llama.cpp's repacked gemm
     * order written out in scalars: per superblock and run of 64, the exact integer sum of the scaled
     * nibbles times the quants fma'd with {@code d * d_x} into one float, and the run's two mins times the
     * activation sums of their 32 elements fma'd with {@code dmin * d_x} into another; the row is their
     * difference.
     */
    @org.junit.jupiter.api.Test
    void theQ4_KGemmFollowsGgmlsOrder() {
        var random = new Random(44);
        int rows = 16;
        int cols = 768;
        int batch = 20; // a chunk of 16 input rows, then another group of four
        try (Arena arena = Arena.ofConfined()) {
            var data = QuantizedMatrixTest.randomBlocks(GgmlType.Q4_K, (long) rows * cols / 256, random, arena);
            Matrix m = Matrix.of(GgmlType.Q4_K, data, rows, cols);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            var input = new MatmulInput(batch, cols).set(x, batch, multiRowFlags(batch));
            input.prepare(m.dotType());
            float[] out = new float[batch * rows];
            m.multiply(input, out, 0, rows);
            int blocks = cols / 256;
            int[] words = new int[4];
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < batch; b++) {
                    float sum = 0f;
                    float mins = 0f;
                    for (int k = 0; k < blocks; k++) {
                        long offset = (long) (r * blocks + k) * Q4_KMatrix.BLOCK_BYTES;
                        float d = HalfFloat.f16ToF32(data.get(Simd.SHORT, offset));
                        float dmin = HalfFloat.f16ToF32(data.get(Simd.SHORT, offset + 2));
                        QuantBlocks.scalesMinsK4(data, offset + 4, words);
                        int xBlock = b * blocks + k;
                        float yd = input.q8kScales()[xBlock];
                        for (int t = 0; t < 4; t++) {
                            int isum = 0;
                            for (int e = 0; e < 64; e++) {
                                int packed = QuantBlocks.byteAt(data, offset + 16 + 32L * t + e % 32);
                                int q = e < 32 ? packed & 0x0F : packed >>> 4;
                                int sub = 2 * t + e / 32;
                                isum += q * QuantBlocks.byteOf(words, 0, sub) * input.q8kQuants()[xBlock * 256 + 64 * t + e];
                            }
                            sum = Math.fma(isum, d * yd, sum);
                            int minSum = 0;
                            for (int sub = 2 * t; sub < 2 * t + 2; sub++) {
                                minSum += QuantBlocks.byteOf(words, 2, sub)
                                        * (input.q8kSums()[16 * xBlock + 2 * sub] + input.q8kSums()[16 * xBlock + 2 * sub + 1]);
                            }
                            mins = Math.fma(minSum, dmin * yd, mins);
                        }
                    }
                    assertThat(Float.floatToRawIntBits(out[b * rows + r])).as("weight row %d input row %d", r, b)
                            .isEqualTo(Float.floatToRawIntBits(sum - mins));
                }
            }
        }
    }

    private static boolean[] multiRowFlags(int batch) {
        boolean[] flags = new boolean[batch];
        Arrays.fill(flags, true);
        return flags;
    }

    /** Input row {@code b} alone, or {@code copies} copies of it in one batch: the first copy's results. */
    private static float[] alone(Matrix m, float[] x, int b, int cols, int copies) {
        float[] row = new float[copies * cols];
        for (int c = 0; c < copies; c++) System.arraycopy(x, b * cols, row, c * cols, cols);
        return Arrays.copyOf(multiply(m, row, copies, 0, m.rows()), m.rows());
    }

    private static float[] multiply(Matrix m, float[] x, int batch, int from, int to) {
        boolean[] multiRow = new boolean[batch];
        Arrays.fill(multiRow, batch > 1);
        var input = new MatmulInput(batch, m.cols()).set(x, batch, multiRow);
        input.prepare(m.dotType());
        float[] out = new float[batch * m.rows()];
        m.multiply(input, out, from, to);
        return out;
    }
}
