package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.S16_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/** F16 weights; activations are rounded to F16 first and products accumulate in F32, as ggml does. */
public record F16Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    private static final int LANES = 16;
    private static final int STEP = 4 * LANES;

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public DotType dotType() {
        return DotType.F16;
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] x = input.f16();
        int batch = input.rows();
        boolean tiled = cols % LANES == 0 && rows % 4 == 0;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * cols * Short.BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = tiled && input.multiRow(b) ? dotTiled(rowOffset, x, b * cols) : dot(rowOffset, x, b * cols);
            }
        }
    }

    /**
     * ggml_vec_dot_f16: steps of 64 in four 16-lane F32 accumulators reduced to one float, then the
     * tail and the total in double. The loop takes one vector at a time and passes the accumulators
     * round, so that accumulator {@code j} still takes the vectors at {@code 64 n + 16 j}: four
     * conversions written out in one loop are more vector code than C2 inlines, and it boxes them.
     */
    private float dot(long rowOffset, float[] x, int xOffset) {
        int whole = cols - cols % STEP;
        double sum = 0;
        if (whole > 0) {
            FloatVector acc0 = FloatVector.zero(F16_LANES);
            FloatVector acc1 = FloatVector.zero(F16_LANES);
            FloatVector acc2 = FloatVector.zero(F16_LANES);
            FloatVector acc3 = FloatVector.zero(F16_LANES);
            for (int i = 0; i < whole; i += LANES) {
                FloatVector next = load(rowOffset, i).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i), acc0);
                acc0 = acc1;
                acc1 = acc2;
                acc2 = acc3;
                acc3 = next;
            }
            sum = Simd.sum16(acc0.add(acc2).add(acc1.add(acc3)));
        }
        for (int i = whole; i < cols; i++) {
            sum += HalfFloat.f16ToF32(data.get(SHORT, rowOffset + (long) i * Short.BYTES)) * x[xOffset + i];
        }
        return (float) sum;
    }

    /** llamafile's tinyBLAS (several rows of a sequence): one 16-lane accumulator over the row. */
    private float dotTiled(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int i = 0; i < cols; i += LANES) {
            acc = load(rowOffset, i).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i), acc);
        }
        return Simd.sum16(acc);
    }

    private FloatVector load(long rowOffset, int i) {
        return Simd.f16ToF32(ShortVector.fromMemorySegment(S16_LANES, data, rowOffset + (long) i * Short.BYTES, LE));
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long rowOffset = (long) row * cols * Short.BYTES;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = HalfFloat.f16ToF32(data.get(SHORT, rowOffset + (long) i * Short.BYTES));
        }
    }
}
