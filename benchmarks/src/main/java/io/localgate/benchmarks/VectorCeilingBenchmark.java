package io.localgate.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast the Vector API can multiply a Q4_0 or Q8_0 matrix by one row on this CPU, whatever the order
 * of the sums: the fewest operations a block can be written with in float lanes. Q4_0: load 16 bytes,
 * split the nibbles, convert 2 x 16 of them to floats, two multiply-adds against activations already in
 * floats, one multiply-add by the block's scale into lanes kept across the row (the {@code -8} of every
 * weight taken off once per block through the activations' sum). Q8_0: the same without the nibbles. No
 * lane is summed across per block or folded (as the engine's kernels must, to follow ggml's order), and
 * nothing is checked: this is a ceiling, not a kernel. One thread; the default matrix (32768x2048, 38 MB
 * in Q4_0) is larger than the caches. Compare its {@code macs} counter with what llama.cpp's generation
 * does: a 1B token is about 1.24 G multiply-adds.
 *
 * <p>{@link #fmaPeak} is the other bound: float multiply-adds alone, from registers, as many as the CPU
 * retires; no kernel of float lanes can beat it, whatever it loads or converts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class VectorCeilingBenchmark {

    private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = 32;
    private static final int Q4_0_BYTES = 18;
    private static final int Q8_0_BYTES = 34;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    @Param({"32768x2048"})
    public String shape;

    private Arena arena;
    private MemorySegment q4_0;
    private MemorySegment q8_0;
    private int rows;
    private int cols;
    private float[] x;
    private float[] xd;
    private float[] xSums;
    private float[] out;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long macs;

        @Setup(Level.Iteration)
        public void reset() {
            macs = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        cols = Integer.parseInt(dims[1]);
        arena = Arena.ofShared();
        var random = new Random(42);
        q4_0 = randomBlocks(Q4_0_BYTES, random);
        q8_0 = randomBlocks(Q8_0_BYTES, random);
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = random.nextInt(255) - 127;
        xd = new float[cols / BLOCK];
        xSums = new float[cols / BLOCK];
        for (int k = 0; k < xd.length; k++) {
            xd[k] = random.nextFloat();
            for (int i = 0; i < BLOCK; i++) xSums[k] += 8 * x[k * BLOCK + i];
        }
        out = new float[rows];
    }

    /** Random bytes in blocks of {@code blockBytes}, each led by an F16 scale. */
    private MemorySegment randomBlocks(int blockBytes, Random random) {
        MemorySegment blocks = arena.allocate((long) rows * cols / BLOCK * blockBytes, 64);
        for (long i = 0; i < blocks.byteSize(); i++) blocks.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        for (long block = 0; block < blocks.byteSize(); block += blockBytes) {
            blocks.set(SHORT, block, Float.floatToFloat16(0.01f + random.nextFloat() * 0.01f));
        }
        return blocks;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] q4_0Row(Counters counters) {
        int blocks = cols / BLOCK;
        for (int r = 0; r < rows; r++) {
            long rowOffset = (long) r * blocks * Q4_0_BYTES;
            FloatVector acc = FloatVector.zero(F16);
            float offsets = 0f;
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * Q4_0_BYTES;
                float d = Float.float16ToFloat(q4_0.get(SHORT, offset)) * xd[k];
                ByteVector packed = ByteVector.fromMemorySegment(B16, q4_0, offset + 2, ByteOrder.LITTLE_ENDIAN);
                ByteVector low = packed.and((byte) 0x0F);
                ByteVector high = packed.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                FloatVector p = ((FloatVector) low.convertShape(VectorOperators.B2F, F16, 0)).mul(FloatVector.fromArray(F16, x, k * BLOCK));
                p = ((FloatVector) high.convertShape(VectorOperators.B2F, F16, 0)).fma(FloatVector.fromArray(F16, x, k * BLOCK + 16), p);
                acc = p.fma(FloatVector.broadcast(F16, d), acc);
                offsets = Math.fma(xSums[k], d, offsets);
            }
            out[r] = acc.reduceLanes(VectorOperators.ADD) - offsets;
        }
        counters.macs += (long) rows * cols;
        return out;
    }

    /** The same for Q8_0 blocks (32 signed bytes), which need no unpacking. */
    @Benchmark
    public float[] q8_0Row(Counters counters) {
        int blocks = cols / BLOCK;
        for (int r = 0; r < rows; r++) {
            long rowOffset = (long) r * blocks * Q8_0_BYTES;
            FloatVector acc = FloatVector.zero(F16);
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * Q8_0_BYTES;
                float d = Float.float16ToFloat(q8_0.get(SHORT, offset)) * xd[k];
                ByteVector quants = ByteVector.fromMemorySegment(B32, q8_0, offset + 2, ByteOrder.LITTLE_ENDIAN);
                FloatVector p = ((FloatVector) quants.convertShape(VectorOperators.B2F, F16, 0)).mul(FloatVector.fromArray(F16, x, k * BLOCK));
                p = ((FloatVector) quants.convertShape(VectorOperators.B2F, F16, 1)).fma(FloatVector.fromArray(F16, x, k * BLOCK + 16), p);
                acc = p.fma(FloatVector.broadcast(F16, d), acc);
            }
            out[r] = acc.reduceLanes(VectorOperators.ADD);
        }
        counters.macs += (long) rows * cols;
        return out;
    }

    /** Eight independent chains of 16-lane multiply-adds (enough to cover the instruction's latency). */
    @Benchmark
    public float fmaPeak(Counters counters) {
        FloatVector m = FloatVector.broadcast(F16, 0.999f);
        FloatVector a0 = FloatVector.broadcast(F16, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int steps = 1 << 20;
        for (int i = 0; i < steps; i++) {
            a0 = a0.fma(m, m);
            a1 = a1.fma(m, m);
            a2 = a2.fma(m, m);
            a3 = a3.fma(m, m);
            a4 = a4.fma(m, m);
            a5 = a5.fma(m, m);
            a6 = a6.fma(m, m);
            a7 = a7.fma(m, m);
        }
        counters.macs += 8L * steps * F16.length();
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }
}
