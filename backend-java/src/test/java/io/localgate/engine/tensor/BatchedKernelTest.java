package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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

    /**
     * The one-row and batched kernels of Q8_0 and Q4_0 against ggml's order written out in scalars: per
     * block eight integer lanes of four products (x86's vpdpbusd), times the two scales, fma'd into eight
     * float lanes, summed as hsum_float_8; or, for Q4_0 matrices llama.cpp repacks (rows a multiple of 8),
     * each block's integer sum times the scales fma'd into one float.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void theKernelsFollowGgmlsOrder(GgmlType type) {
        var random = new Random(7L * type.id());
        for (int cols : new int[] {256, 1056}) for (int rows : new int[] {16, 12}) {
            for (int batch : new int[] {1, 2, 4, 7}) {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix m = Matrix.of(type, QuantizedMatrixTest.randomBlocks(type, (long) rows * cols / 32, random, arena), rows, cols);
                    float[] x = new float[batch * cols];
                    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                    var input = new MatmulInput(batch, cols).set(x, batch, new boolean[batch]);
                    input.prepare(m.dotType());
                    float[] out = new float[batch * rows];
                    m.multiply(input, out, 0, rows);
                    boolean perBlock = type == GgmlType.Q4_0 && rows % 8 == 0;
                    for (int r = 0; r < rows; r++) {
                        for (int b = 0; b < batch; b++) {
                            float expected = ggmlDot(m, r, input, b, perBlock);
                            assertThat(Float.floatToRawIntBits(out[b * rows + r])).as("%s rows %d batch %d row %d input %d", type, rows, batch, r, b)
                                    .isEqualTo(Float.floatToRawIntBits(expected));
                        }
                    }
                }
            }
        }
    }

    private static float ggmlDot(Matrix m, int row, MatmulInput input, int b, boolean perBlock) {
        MemorySegment data = m instanceof Q8_0Matrix q8 ? q8.data() : ((Q4_0Matrix) m).data();
        int blockBytes = m.type().typeSize();
        int blocks = m.cols() / 32;
        float[] lanes = new float[8];
        float sum = 0f;
        for (int k = 0; k < blocks; k++) {
            long offset = ((long) row * blocks + k) * blockBytes;
            float scale = HalfFloat.f16ToF32(data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset)) * input.q8Scales()[b * blocks + k];
            int blockSum = 0;
            for (int l = 0; l < 8; l++) {
                int lane = 0;
                for (int i = 4 * l; i < 4 * l + 4; i++) lane += weight(m, data, offset, i) * input.q8Quants()[(b * blocks + k) * 32 + i];
                lanes[l] = Math.fma((float) lane, scale, lanes[l]);
                blockSum += lane;
            }
            sum = Math.fma((float) blockSum, scale, sum);
        }
        return perBlock ? sum : ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    }

    /** Element {@code i} of the block at {@code offset} as an integer. */
    private static int weight(Matrix m, MemorySegment data, long offset, int i) {
        if (m instanceof Q8_0Matrix) return data.get(ValueLayout.JAVA_BYTE, offset + 2 + i);
        int packed = data.get(ValueLayout.JAVA_BYTE, offset + 2 + i % 16) & 0xFF;
        return (i < 16 ? packed & 0x0F : packed >>> 4) - 8;
    }
}
