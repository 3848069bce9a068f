package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.bench.BackendBench.Measurement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpeedReportTest {

    private static Measurement ok(String backend, int threads, String test, double... samples) {
        return new Measurement(backend, threads, test, Optional.of(new Stats(samples)), Optional.empty());
    }

    @Test
    void oneRowPerThreadCountAndTestWithTheRatioOfMedians() {
        var results = new SpeedReport.ModelResults("llama-1b Q8_0", 3L << 29, List.of(
                ok("java", 2, "pp512", 40, 50, 45), ok("java", 2, "tg128", 10, 11, 12),
                ok("llama-cpp", 2, "pp512", 90, 100, 110), ok("llama-cpp", 2, "tg128", 8, 8, 8)));
        assertThat(SpeedReport.rows(results)).containsExactly(
                "| llama-1b Q8_0 | 1.50 GiB | 2 | pp512 | 45.00 (40.00–50.00) | 100.00 (90.00–110.00) | 0.45 |",
                "| llama-1b Q8_0 | 1.50 GiB | 2 | tg128 | 11.00 (10.00–12.00) | 8.00 (8.00–8.00) | 1.38 |");
    }

    @Test
    void aFailedBackendShowsWhyAndNoRatio() {
        var results = new SpeedReport.ModelResults("m", 1L << 30, List.of(
                new Measurement("java", 1, "pp512", Optional.empty(), Optional.of("unsupported tensor type Q4_K | more\nsecond line")),
                ok("llama-cpp", 1, "pp512", 5)));
        assertThat(SpeedReport.rows(results)).containsExactly(
                "| m | 1.00 GiB | 1 | pp512 | failed: unsupported tensor type Q4_K / more | 5.00 (5.00–5.00) | – |");
    }

    @Test
    void syntheticNamesParse() {
        assertThat(SyntheticModels.parse("llama-1b-q4_k_m.gguf")).contains(new SyntheticModels.Named(ModelShape.LLAMA_1B, QuantType.Q4_K_M));
        assertThat(SyntheticModels.parse("smollm2-135m-f16")).contains(new SyntheticModels.Named(ModelShape.SMOLLM2_135M, QuantType.F16));
        assertThat(SyntheticModels.parse("llama-1b-q5_1")).isEmpty();
        assertThat(SyntheticModels.parse("mistral-7b-q8_0")).isEmpty();
    }
}
