package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.I16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * BF16 weights; activations are rounded to BF16 first and pairs of products accumulate in F32 as the
 * {@code vdpbf16ps} instruction of ggml's AVX-512 build does.
 */
public record BF16Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    /** BF16 elements per {@code vdpbf16ps}: 16 lanes of two. */
    private static final int PAIRS = 32;
    private static final int STEP = 2 * PAIRS;

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public DotType dotType() {
        return DotType.BF16;
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        short[] x = input.bf16();
        int batch = input.rows();
        boolean tiled = cols % PAIRS == 0 && rows % 4 == 0;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * cols * Short.BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = tiled && input.multiRow(b) ? dotTiled(rowOffset, x, b * cols) : dot(rowOffset, x, b * cols);
            }
        }
    }

    /** ggml_vec_dot_bf16 (AVX512_BF16): steps of 64 in two accumulators, each reduced into a double; tail in double. */
    private float dot(long rowOffset, short[] x, int xOffset) {
        int whole = cols - cols % STEP;
        double sum = 0;
        if (whole > 0) {
            FloatVector acc1 = FloatVector.zero(F16_LANES);
            FloatVector acc2 = FloatVector.zero(F16_LANES);
            for (int i = 0; i < whole; i += STEP) {
                acc1 = Simd.dotBf16Pairs(acc1, weights(rowOffset, i), activations(x, xOffset + i));
                acc2 = Simd.dotBf16Pairs(acc2, weights(rowOffset, i + PAIRS), activations(x, xOffset + i + PAIRS));
            }
            sum += Simd.sum16(acc1);
            sum += Simd.sum16(acc2);
        }
        for (int i = whole; i < cols; i++) {
            sum += HalfFloat.bf16ToF32(data.get(SHORT, rowOffset + (long) i * Short.BYTES)) * HalfFloat.bf16ToF32(x[xOffset + i]);
        }
        return (float) sum;
    }

    /** llamafile's tinyBLAS (several rows of a sequence): one accumulator of {@code vdpbf16ps} over the row. */
    private float dotTiled(long rowOffset, short[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int i = 0; i < cols; i += PAIRS) {
            acc = Simd.dotBf16Pairs(acc, weights(rowOffset, i), activations(x, xOffset + i));
        }
        return Simd.sum16(acc);
    }

    private IntVector weights(long rowOffset, int i) {
        return IntVector.fromMemorySegment(I16_LANES, data, rowOffset + (long) i * Short.BYTES, LE);
    }

    private static IntVector activations(short[] x, int offset) {
        return ShortVector.fromArray(ShortVector.SPECIES_512, x, offset).reinterpretAsInts();
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long rowOffset = (long) row * cols * Short.BYTES;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = HalfFloat.bf16ToF32(data.get(SHORT, rowOffset + (long) i * Short.BYTES));
        }
    }
}
