package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.engine.JavaBackend;
import io.localgate.llamacpp.LlamaCppBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The measuring machinery on a tiny model (what it measures is not asserted: speed is for the bench, not tests). */
class BackendBenchTest {

    @TempDir
    Path dir;

    @Test
    void bothBackendsGiveEveryRunOfBothTests() throws Exception {
        Path model = TinyModel.write(dir, 3);
        var log = new ByteArrayOutputStream();
        var bench = new BackendBench(new BackendBench.Settings(16, 4, 3), new PrintStream(log, true));
        var measurements = new java.util.ArrayList<BackendBench.Measurement>();
        measurements.addAll(bench.run(List.of(new JavaBackend(), new LlamaCppBackend()), model, 1));

        assertThat(measurements).extracting(m -> m.backend() + " " + m.test())
                .containsExactly("java pp16", "java tg4", "llama-cpp pp16", "llama-cpp tg4");
        assertThat(measurements).allSatisfy(m -> {
            assertThat(m.failure()).as(m.backend()).isEmpty();
            assertThat(m.tokensPerSecond().orElseThrow().count()).isEqualTo(3);
            assertThat(m.tokensPerSecond().orElseThrow().min()).isPositive();
        });
        assertThat(SpeedReport.rows(new SpeedReport.ModelResults("tiny", 1, measurements))).hasSize(2);
    }

    @Test
    void aSkippedTestIsNotRun() throws Exception {
        Path model = TinyModel.write(dir, 5);
        var bench = new BackendBench(new BackendBench.Settings(0, 4, 2), new PrintStream(new ByteArrayOutputStream()));
        assertThat(bench.run(new JavaBackend(), model, 1)).extracting(BackendBench.Measurement::test).containsExactly("tg4");
    }

    @Test
    void aModelABackendCannotLoadIsReportedNotThrown() {
        var bench = new BackendBench(new BackendBench.Settings(16, 4, 1), new PrintStream(new ByteArrayOutputStream()));
        var measurements = bench.run(new JavaBackend(), dir.resolve("missing.gguf"), 1);
        assertThat(measurements).hasSize(2).allSatisfy(m -> {
            assertThat(m.tokensPerSecond()).isEmpty();
            assertThat(m.failure()).isPresent();
        });
    }

    @Test
    void promptTokensAreOrdinaryAndTheSameEachTime() throws Exception {
        Path model = TinyModel.write(dir, 4);
        try (var loaded = new JavaBackend().load(new io.localgate.backend.ModelSpec("t", model, 64, 1, 1, 0))) {
            int[] tokens = BackendBench.randomTokens(loaded.tokenizer(), 200, 1);
            assertThat(tokens).isEqualTo(BackendBench.randomTokens(loaded.tokenizer(), 200, 1));
            assertThat(tokens[0]).as("another run's prompt starts differently (no prefix reuse)")
                    .isNotEqualTo(BackendBench.randomTokens(loaded.tokenizer(), 200, 2)[0]);
            for (int t : tokens) {
                assertThat(loaded.tokenizer().isControl(t) || loaded.tokenizer().isEndOfGeneration(t)).isFalse();
            }
            var sampling = BackendBench.greedyWithoutEndOfGeneration(loaded.tokenizer());
            assertThat(sampling.greedy()).isTrue();
            assertThat(sampling.logitBias()).containsEntry(loaded.tokenizer().eos(), Float.NEGATIVE_INFINITY);
        }
    }
}
