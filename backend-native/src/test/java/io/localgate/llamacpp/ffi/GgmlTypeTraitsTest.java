package io.localgate.llamacpp.ffi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.tensor.ActivationQuants;
import io.localgate.engine.tensor.HalfFloat;
import io.localgate.engine.tensor.MatmulInput;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tensor.Q8_0Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java engine's block types against ggml's own, through the pinned libraries: random blocks
 * dequantize to the same floats bit for bit as ggml's {@code to_float}; activations quantize to the same
 * bytes as the CPU backend's {@code from_float} (and Q8_K's reference); the fused products equal the
 * CPU backend's {@code vec_dot} bit for bit where we follow it, and the dequantized dot in double everywhere.
 */
class GgmlTypeTraitsTest {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static GgmlTypeTraits ggml;
    private static GgmlCpuKernels cpu;

    @BeforeAll
    static void load() {
        ggml = GgmlTypeTraits.of(LlamaLibrary.shared());
        cpu = new GgmlCpuKernels(LlamaLibrary.shared());
    }

    static Stream<GgmlType> supportedTypes() {
        return Arrays.stream(GgmlType.values()).filter(Matrix::supports);
    }

    @ParameterizedTest
    @MethodSource("supportedTypes")
    void blockGeometryIsGgmls(GgmlType type) {
        var traits = ggml.traits(type);
        assertThat(traits.name()).isEqualToIgnoringCase(type.name());
        assertThat(traits.blockSize()).isEqualTo(type.blockSize());
        assertThat(traits.typeSize()).isEqualTo(type.typeSize());
        assertThat(traits.quantized()).isEqualTo(type.blockSize() > 1);
        assertThat(traits.hasToFloat()).isEqualTo(type != GgmlType.F32); // F32 needs no conversion
    }

    @ParameterizedTest
    @MethodSource("supportedTypes")
    void dequantizationIsGgmlsBitForBit(GgmlType type) {
        var random = new Random(type.id());
        int rows = 5;
        int cols = 4 * Math.max(type.blockSize(), 256);
        for (int round = 0; round < 20; round++) {
            byte[] bytes = randomBlocks(type, (long) rows * cols / type.blockSize(), random);
            float[] theirs = new float[rows * cols];
            if (type == GgmlType.F32) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(theirs);
            else theirs = ggml.toFloat(type, bytes);
            float[] ours = new float[rows * cols];
            try (Arena arena = Arena.ofConfined()) {
                Matrix m = Matrix.of(type, segment(bytes, arena), rows, cols);
                for (int r = 0; r < rows; r++) m.dequantizeRow(r, ours, r * cols);
            }
            for (int i = 0; i < ours.length; i++) {
                if (Float.floatToRawIntBits(ours[i]) != Float.floatToRawIntBits(theirs[i])) {
                    assertThat(ours[i]).as("%s element %d (round %d)", type, i, round).isEqualTo(theirs[i]);
                }
            }
        }
    }

    @Test
    void activationQuantizationIsTheCpuBackendsBitForBit() {
        var random = new Random(7);
        int cols = 2048;
        for (int round = 0; round < 50; round++) {
            float[] x = activations(cols, random);
            byte[] q8_0 = cpu.fromFloat(GgmlType.Q8_0, x);
            byte[] q8_1 = cpu.fromFloat(GgmlType.Q8_1, x);
            byte[] quants = new byte[cols];
            for (int b = 0; b < cols / 32; b++) {
                float d = Q8_0Matrix.quantizeBlock(x, 32 * b, quants, 32 * b);
                float s = ActivationQuants.q8_1Sum(x, quants, 32 * b);
                ByteBuffer q0 = ByteBuffer.wrap(q8_0, 34 * b, 34).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer q1 = ByteBuffer.wrap(q8_1, 36 * b, 36).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(HalfFloat.f32ToF16(d)).as("Q8_0 d of block %d", b).isEqualTo(q0.getShort());
                assertThat(HalfFloat.f32ToF16(d)).as("Q8_1 d of block %d", b).isEqualTo(q1.getShort());
                assertThat(HalfFloat.f32ToF16(s)).as("Q8_1 s of block %d", b).isEqualTo(q1.getShort());
                for (int i = 0; i < 32; i++) {
                    assertThat(quants[32 * b + i]).as("Q8_0 quant %d", 32 * b + i).isEqualTo(q0.get());
                    assertThat(quants[32 * b + i]).as("Q8_1 quant %d", 32 * b + i).isEqualTo(q1.get());
                }
            }

            byte[] q8kCpu = cpu.fromFloat(GgmlType.Q8_K, x);
            assertThat(q8kCpu).isEqualTo(ggml.fromFloatRef(GgmlType.Q8_K, x));
            byte[] kQuants = new byte[cols];
            short[] sums = new short[cols / 16];
            for (int b = 0; b < cols / 256; b++) {
                float d = ActivationQuants.quantizeQ8K(x, 256 * b, kQuants, sums);
                ByteBuffer q = ByteBuffer.wrap(q8kCpu, 292 * b, 292).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(Float.floatToRawIntBits(d)).as("Q8_K d of block %d", b).isEqualTo(Float.floatToRawIntBits(q.getFloat()));
                for (int i = 0; i < 256; i++) assertThat(kQuants[256 * b + i]).as("Q8_K quant %d", 256 * b + i).isEqualTo(q.get());
                for (int g = 0; g < 16; g++) assertThat(sums[16 * b + g]).as("Q8_K sum %d of block %d", g, b).isEqualTo(q.getShort());
            }
        }
    }

    /**
     * One weight row (llama.cpp does not repack a matrix of one row) against one activation row: the same
     * float as the CPU backend's {@code vec_dot}.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void productsAreTheCpuBackendsVecDotBitForBit(GgmlType type) {
        var random = new Random(type.id());
        int[] widths = type.blockSize() == 32 ? new int[] {32, 96, 800, 4096} : new int[] {256, 768, 2048, 4096};
        for (int cols : widths) {
            for (int round = 0; round < 10; round++) {
                byte[] weights = randomBlocks(type, cols / type.blockSize(), random);
                float[] x = activations(cols, random);
                float theirs = cpu.vecDot(type, weights, cpu.fromFloat(cpu.vecDotType(type), x), cols);
                float ours = ourProducts(type, weights, 1, cols, x)[0];
                assertThat(Float.floatToRawIntBits(ours)).as("%s of %d: ours %s, ggml %s", type, cols, ours, theirs)
                        .isEqualTo(Float.floatToRawIntBits(theirs));
            }
        }
    }

    /** Every supported quantized type, several rows and inputs: the fused product is ggml's dequantized weights times the quantized activations. */
    @ParameterizedTest
    @MethodSource("supportedTypes")
    void productsAreTheDequantizedDot(GgmlType type) {
        if (type.blockSize() == 1) return; // float types: MatrixTest
        var random = new Random(type.id() + 100);
        int rows = 16;
        int cols = 1024;
        int batch = 5;
        byte[] weights = randomBlocks(type, (long) rows * cols / type.blockSize(), random);
        float[] w = ggml.toFloat(type, weights);
        float[] x = activations(batch * cols, random);
        float[] ours = ourProducts(type, weights, rows, cols, x);
        GgmlType dotType = cpu.vecDotType(type);
        for (int b = 0; b < batch; b++) {
            float[] row = Arrays.copyOfRange(x, b * cols, (b + 1) * cols);
            byte[] quantized = cpu.fromFloat(dotType, row);
            double[] a = dequantizedActivations(dotType, quantized, cols);
            for (int r = 0; r < rows; r++) {
                double expected = 0;
                double magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    expected += w[r * cols + i] * a[i];
                    magnitude += Math.abs(w[r * cols + i] * a[i]);
                }
                if (dotType == GgmlType.Q8_1) expected += offsetTimesRoundedSum(type, weights, r, cols, quantized, a);
                assertThat((double) ours[b * rows + r]).as("%s row %d input %d", type, r, b).isCloseTo(expected, within(1e-6 * magnitude + 1e-7));
            }
        }
    }

    private static float[] ourProducts(GgmlType type, byte[] weights, int rows, int cols, float[] x) {
        int batch = x.length / cols;
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.of(type, segment(weights, arena), rows, cols);
            var input = new MatmulInput(batch, cols).set(x, batch, new boolean[batch]);
            input.prepare(m.dotType());
            float[] out = new float[batch * rows];
            m.multiply(input, out, 0, rows);
            return out;
        }
    }

    private static double[] dequantizedActivations(GgmlType dotType, byte[] blocks, int cols) {
        double[] a = new double[cols];
        ByteBuffer buffer = ByteBuffer.wrap(blocks).order(ByteOrder.LITTLE_ENDIAN);
        int block = dotType.blockSize();
        for (int b = 0; b < cols / block; b++) {
            int start = b * dotType.typeSize();
            double d = dotType == GgmlType.Q8_K ? buffer.getFloat(start) : HalfFloat.f16ToF32(buffer.getShort(start));
            int quants = start + switch (dotType) {
                case Q8_0 -> 2;
                case Q8_1 -> 4;
                default -> 4;
            };
            for (int i = 0; i < block; i++) a[b * block + i] = d * blocks[quants + i];
        }
        return a;
    }

    /** Q8_1's kernels multiply each weight block's offset {@code m} with {@code s} (rounded) instead of the block's dequantized sum. */
    private static double offsetTimesRoundedSum(GgmlType type, byte[] weights, int row, int cols, byte[] q8_1, double[] a) {
        ByteBuffer w = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer y = ByteBuffer.wrap(q8_1).order(ByteOrder.LITTLE_ENDIAN);
        double difference = 0;
        for (int b = 0; b < cols / 32; b++) {
            float m = HalfFloat.f16ToF32(w.getShort(((row * cols / 32) + b) * type.typeSize() + 2));
            float s = HalfFloat.f16ToF32(y.getShort(b * 36 + 2));
            double sum = 0;
            for (int i = 0; i < 32; i++) sum += a[32 * b + i];
            difference += m * (s - sum);
        }
        return difference;
    }

    /** Activations of a transformer's range: Gaussian rows at a few scales, with an all-zero block now and then. */
    private static float[] activations(int n, Random random) {
        float[] x = new float[n];
        float scale = (float) Math.pow(10, random.nextInt(5) - 2);
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian() * scale;
        if (random.nextInt(4) == 0) Arrays.fill(x, 0, Math.min(n, 256), 0f);
        return x;
    }

    /** Random bytes, with each block's F16 fields drawn as finite values of either sign; float types as Gaussian values. */
    static byte[] randomBlocks(GgmlType type, long blocks, Random random) {
        byte[] bytes = new byte[Math.toIntExact(blocks * type.typeSize())];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> { for (int i = 0; i < bytes.length; i += 4) buffer.putFloat(i, (float) random.nextGaussian()); }
            case F16 -> { for (int i = 0; i < bytes.length; i += 2) buffer.putShort(i, HalfFloat.f32ToF16((float) random.nextGaussian())); }
            case BF16 -> { for (int i = 0; i < bytes.length; i += 2) buffer.putShort(i, HalfFloat.f32ToBf16((float) random.nextGaussian())); }
            default -> {
                random.nextBytes(bytes);
                for (long block = 0; block < blocks; block++) {
                    for (int field : f16Fields(type)) {
                        float value = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(4) - 4));
                        buffer.putShort(Math.toIntExact(block * type.typeSize() + field), HalfFloat.f32ToF16(value));
                    }
                }
            }
        }
        return bytes;
    }

    /** Byte offsets of the F16 fields in a block (ggml-common.h). */
    private static int[] f16Fields(GgmlType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static MemorySegment segment(byte[] bytes, Arena arena) {
        MemorySegment segment = arena.allocate(bytes.length, 64);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment;
    }
}
