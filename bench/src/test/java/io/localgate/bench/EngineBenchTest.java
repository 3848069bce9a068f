package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Backend;
import io.localgate.engine.JavaBackend;
import io.localgate.llamacpp.LlamaCppBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine bench's machinery on a tiny model (its speed is for the bench, not asserted here). */
class EngineBenchTest {

    @TempDir
    Path dir;

    @Test
    void everyLevelOfBothBackendsDecodesItsSequencesTogether() throws Exception {
        Path model = TinyModel.write(dir, 6);
        for (Backend backend : List.of(new JavaBackend(), new LlamaCppBackend())) {
            var log = new ByteArrayOutputStream();
            var bench = new EngineBench(new EngineBench.Settings(1, 4, 128, 8, 48), new PrintStream(log, true));
            List<EngineBench.Level> levels = bench.run(backend, model, List.of(1, 4));

            assertThat(levels).extracting(EngineBench.Level::concurrency).containsExactly(1, 4);
            assertThat(levels).allSatisfy(level -> {
                assertThat(level.tokensPerSecond()).as(backend.id()).isPositive();
                assertThat(level.tokensPerCpuSecond()).as(backend.id()).isPositive();
                assertThat(level.msPerStep()).as(backend.id()).isPositive();
                // one decode row per sequence and step while all of them decode
                assertThat(level.rowsPerStep()).as(backend.id()).isBetween(1.0, (double) level.concurrency());
            });
            assertThat(levels.getLast().rowsPerStep()).as(backend.id() + ": four sequences share steps").isGreaterThan(1.0);
            assertThat(log.toString()).contains(backend.id() + " concurrency 4");
            assertThat(EngineBench.rows(backend.id(), 1, levels)).hasSize(2).first().asString().endsWith("| 1.00× |");
        }
    }

    @Test
    void aConcurrencyAboveTheSlotsIsRefused() throws Exception {
        Path model = TinyModel.write(dir, 7);
        var bench = new EngineBench(new EngineBench.Settings(1, 2, 128, 8, 8), new PrintStream(new ByteArrayOutputStream()));
        assertThatThrownBy(() -> bench.run(new JavaBackend(), model, List.of(4))).hasMessageContaining("concurrency 4 > parallel");
    }

    @Test
    void promptAndTokensMustFitTheContext() {
        assertThatThrownBy(() -> new EngineBench.Settings(1, 2, 64, 40, 40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fit the context");
    }
}
