package io.localgate.benchmarks;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.tensor.MatmulInput;
import io.localgate.engine.tensor.Matrix;
import io.localgate.engine.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
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
 * One weight matrix times {@code batch} activation rows (1: a decode step's matrix-vector product; more:
 * batched decode and prefill), split across {@code threads} as the engine does, on the 1B llama shapes: 2048x2048 (q, o),
 * 512x2048 (k, v), 8192x2048 (gate, up), 2048x8192 (down), 128256x2048 (the vocabulary).
 * The {@code weightBytes} counter is the weight bytes streamed per second (GB/s = its value / 1e9);
 * {@code macs} the multiply-adds per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {

    @Param({"Q8_0", "Q4_0", "F16", "Q4_K", "Q6_K", "Q5_0", "Q5_K", "IQ4_NL", "Q4_1"})
    public String type;

    @Param({"2048x2048", "512x2048", "8192x2048", "2048x8192", "128256x2048"})
    public String shape;

    /** Input rows: 1 a decode step; 4, 16 batched decode (serving) or a chunk of a prompt. */
    @Param({"1", "4", "16"})
    public int batch;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private Matrix matrix;
    private WorkerPool pool;
    private MatmulInput input;
    private float[] x;
    private float[] out;
    private boolean[] multiRow;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long weightBytes;
        public long macs;

        @Setup(Level.Iteration)
        public void reset() {
            weightBytes = 0;
            macs = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        arena = Arena.ofShared();
        matrix = RandomWeights.matrix(GgmlType.valueOf(type), rows, cols, arena, 42);
        pool = new WorkerPool("bench", threads);
        input = new MatmulInput(batch, cols);
        x = RandomWeights.activations(batch, cols, 7);
        out = new float[batch * rows];
        multiRow = new boolean[batch];
        Arrays.fill(multiRow, batch > 1);
    }

    @TearDown
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Activations prepared (quantized) once per call, as the forward pass does. */
    @Benchmark
    public float[] multiply(Counters counters) {
        input.set(x, batch, multiRow);
        input.prepare(matrix.dotType());
        pool.run(matrix.rows(), (part, from, to) -> matrix.multiply(input, out, from, to));
        counters.weightBytes += matrix.type().byteSize((long) matrix.rows() * matrix.cols());
        counters.macs += (long) matrix.rows() * matrix.cols() * batch;
        return out;
    }
}
