package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SixteenSumsTest {

    @Test
    void eachVectorsLaneSumLandsInItsLane() {
        var random = new Random(16);
        for (int round = 0; round < 20; round++) {
            float[] vectors = new float[256];
            float[] expected = new float[16];
            for (int v = 0; v < 16; v++) {
                for (int l = 0; l < 16; l++) {
                    int value = random.nextInt(-500_000, 500_000);
                    vectors[16 * v + l] = value;
                    expected[SixteenSums.LANE_OF[v]] += value;
                }
            }
            float[] sums = new float[16];
            SixteenSums.of(vectors, 0, sums);
            assertThat(sums).containsExactly(expected);
        }
    }
}
