package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.FLOAT;
import static io.localgate.engine.tensor.Simd.LE;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F32 weights; activations enter as they are. */
public record F32Matrix(MemorySegment data, int rows, int cols) implements Matrix {

    private static final int LANES = 16;
    private static final int STEP = 4 * LANES;

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public DotType dotType() {
        return DotType.F32;
    }

    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] x = input.f32();
        int batch = input.rows();
        boolean tiled = cols % LANES == 0 && rows % 4 == 0;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * cols * Float.BYTES;
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = tiled && input.multiRow(b) ? dotTiled(rowOffset, x, b * cols) : dot(rowOffset, x, b * cols);
            }
        }
    }

    /**
     * ggml_vec_dot_f32: steps of 64 in four 16-lane accumulators, then the tail one by one as GCC compiled
     * it: products rounded and added in order while 8 or more remain, fused multiply-adds for the last ones.
     */
    private float dot(long rowOffset, float[] x, int xOffset) {
        int whole = cols - cols % STEP;
        float sum = 0f;
        if (whole > 0) {
            FloatVector acc0 = FloatVector.zero(F16_LANES);
            FloatVector acc1 = FloatVector.zero(F16_LANES);
            FloatVector acc2 = FloatVector.zero(F16_LANES);
            FloatVector acc3 = FloatVector.zero(F16_LANES);
            for (int i = 0; i < whole; i += STEP) {
                acc0 = load(rowOffset, i).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i), acc0);
                acc1 = load(rowOffset, i + LANES).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i + LANES), acc1);
                acc2 = load(rowOffset, i + 2 * LANES).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i + 2 * LANES), acc2);
                acc3 = load(rowOffset, i + 3 * LANES).fma(FloatVector.fromArray(F16_LANES, x, xOffset + i + 3 * LANES), acc3);
            }
            sum = Simd.sum16(acc0.add(acc2).add(acc1.add(acc3)));
        }
        int rounded = whole + (cols - whole) / 16 * 16;
        if (cols - rounded >= 8) rounded += 8;
        for (int i = whole; i < cols; i++) {
            float w = data.get(FLOAT, rowOffset + (long) i * Float.BYTES);
            sum = i < rounded ? sum + w * x[xOffset + i] : Math.fma(w, x[xOffset + i], sum);
        }
        return sum;
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
        return FloatVector.fromMemorySegment(F16_LANES, data, rowOffset + (long) i * Float.BYTES, LE);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        MemorySegment.copy(data, FLOAT, (long) row * cols * Float.BYTES, out, offset, cols);
    }
}
