package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernels that multiply several input rows at once (reusing each decoded weight block across them)
 * round exactly as the one-row kernel does for each row alone: the batched result must be bit for bit
 * the rows' separate results, so that a sequence's output does not depend on what it is batched with.
 */
class BatchedKernelTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "IQ4_NL"})
    void aBatchRoundsEachRowAsItsOwnProductDoes(GgmlType type) {
        var random = new Random(31L * type.id());
        int cols = 352; // 11 blocks: IQ4_NL pairs its blocks, one left over
        for (int rows : new int[] {16, 12}) { // a multiple of 8 (llama.cpp repacks some types then) or not
            try (Arena arena = Arena.ofConfined()) {
                Matrix m = Matrix.of(type, QuantizedMatrixTest.randomBlocks(type, (long) rows * cols / type.blockSize(), random, arena), rows, cols);
                for (int batch : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17}) {
                    float[] x = new float[batch * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 4f : 1f);
                    var input = new MatmulInput(batch, cols).set(x, batch, new boolean[batch]);
                    input.prepare(m.dotType());
                    int rowFrom = 3;
                    int rowTo = rows - 2;
                    float[] out = new float[batch * rows];
                    m.multiply(input, out, rowFrom, rowTo);
                    for (int b = 0; b < batch; b++) {
                        float[] row = new float[cols];
                        System.arraycopy(x, b * cols, row, 0, cols);
                        var single = new MatmulInput(1, cols).set(row, 1, new boolean[1]);
                        single.prepare(m.dotType());
                        float[] expected = new float[rows];
                        m.multiply(single, expected, rowFrom, rowTo);
                        for (int r = 0; r < rows; r++) {
                            boolean inRange = r >= rowFrom && r < rowTo;
                            assertThat(Float.floatToRawIntBits(out[b * rows + r]))
                                    .as("%s %dx%d batch %d input %d row %d", type, rows, cols, batch, b, r)
                                    .isEqualTo(inRange ? Float.floatToRawIntBits(expected[r]) : 0);
                        }
                    }
                }
            }
        }
    }
}
