package io.localgate.benchmarks;

import io.localgate.engine.tensor.Attention;
import io.localgate.engine.tensor.HalfFloat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * One query head (64 dimensions, the 1B llama shape) attending over {@code context} cached F16 keys and
 * values laid out as the KV cache stores them (8 KV heads per position): the decode kernel and the
 * tiled kernel that prompts of 64 rows or more use. Time per head; a 1B decode step runs 32 x 16 of them.
 * {@code decodeGroup} runs the 4 query heads of one KV head together, as a decode step does (time per 4 heads).
 * {@code tiledBlock} is what a prompt step hands the tiled kernel at once: 16 consecutive rows times the
 * 4 query heads of one KV head, 64 heads in all, attending up to {@code context} positions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {

    private static final int HEAD_DIM = 64;
    private static final int KV_DIM = 8 * HEAD_DIM;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Param({"128", "512", "2048"})
    public int context;

    private Arena arena;
    private MemorySegment keys;
    private MemorySegment values;
    private final float[] query = new float[HEAD_DIM];
    private final float[] out = new float[HEAD_DIM];
    private static final int BLOCK_QUERIES = 16 * 4;
    private final Attention.Scratch scratch = new Attention.Scratch(HEAD_DIM, BLOCK_QUERIES);
    private final float[] blockQueries = new float[BLOCK_QUERIES * HEAD_DIM];
    private final float[] blockOut = new float[BLOCK_QUERIES * HEAD_DIM];
    private final int[] blockOffsets = new int[BLOCK_QUERIES];
    private final int[] blockCounts = new int[BLOCK_QUERIES];
    private final int[] oneOffset = {0};
    private final int[] oneCount = new int[1];

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        long bytes = (long) context * KV_DIM * Short.BYTES;
        keys = arena.allocate(bytes, 64);
        values = arena.allocate(bytes, 64);
        var random = new SplittableRandom(11);
        for (long i = 0; i < bytes; i += 2) {
            keys.set(F16, i, HalfFloat.f32ToF16((float) random.nextGaussian()));
            values.set(F16, i, HalfFloat.f32ToF16((float) random.nextGaussian()));
        }
        for (int d = 0; d < HEAD_DIM; d++) query[d] = (float) random.nextGaussian();
        for (int i = 0; i < blockQueries.length; i++) blockQueries[i] = (float) random.nextGaussian();
        for (int j = 0; j < BLOCK_QUERIES; j++) {
            blockOffsets[j] = j * HEAD_DIM;
            blockCounts[j] = context - 15 + j / 4;
        }
        oneCount[0] = context;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] decode() {
        Attention.attend(query, 0, HEAD_DIM, keys, values, 0, KV_DIM * Short.BYTES, context, 0.125f, out, 0, scratch);
        return out;
    }

    @Benchmark
    public float[] decodeGroup() {
        Attention.attendGroup(blockQueries, 0, 4, HEAD_DIM, keys, values, 0, KV_DIM * Short.BYTES, context, 0.125f, blockOut, 0, scratch);
        return blockOut;
    }

    @Benchmark
    public float[] tiled() {
        Attention.attendTiled(query, oneOffset, oneCount, 1, HEAD_DIM, keys, values, 0, KV_DIM * Short.BYTES, 0.125f,
                out, oneOffset, scratch);
        return out;
    }

    @Benchmark
    public float[] tiledBlock() {
        Attention.attendTiled(blockQueries, blockOffsets, blockCounts, BLOCK_QUERIES, HEAD_DIM, keys, values, 0,
                KV_DIM * Short.BYTES, 0.125f, blockOut, blockOffsets, scratch);
        return blockOut;
    }
}
