package io.localgate.benchmarks;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.tensor.HalfFloat;
import io.localgate.engine.tensor.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random matrices in off-heap memory, laid out as in a GGUF file, with values of a trained model's size. */
final class RandomWeights {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomWeights() {
    }

    static Matrix matrix(GgmlType type, int rows, int cols, Arena arena, long seed) {
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = arena.allocate(bytes, 64);
        var random = new SplittableRandom(seed);
        switch (type) {
            case F32 -> { for (long i = 0; i < bytes; i += 4) data.set(FLOAT, i, (float) random.nextDouble(-0.05, 0.05)); }
            case F16 -> { for (long i = 0; i < bytes; i += 2) data.set(SHORT, i, HalfFloat.f32ToF16((float) random.nextDouble(-0.05, 0.05))); }
            case BF16 -> { for (long i = 0; i < bytes; i += 2) data.set(SHORT, i, HalfFloat.f32ToBf16((float) random.nextDouble(-0.05, 0.05))); }
            default -> {
                for (long i = 0; i + 8 <= bytes; i += 8) data.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
                for (long block = 0; block < bytes; block += type.typeSize()) {
                    data.set(SHORT, block, HalfFloat.f32ToF16((float) random.nextDouble(0.001, 0.01)));
                }
            }
        }
        return Matrix.of(type, data, rows, cols);
    }

    static float[] activations(int rows, int cols, long seed) {
        var random = new SplittableRandom(seed);
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble(-2, 2);
        return x;
    }
}
