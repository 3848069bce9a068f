package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector form of ggml's exp gives exactly what its one-lane form gives (SwiGLU relies on it). */
class VectorExpTest {

    private static final int LANES = FloatVector.SPECIES_512.length();

    @Test
    void vectorExpfMatchesItsOneLaneForm() {
        var random = new SplittableRandom(5);
        float[] values = new float[1 << 18];
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextDouble(-120, 100);
        float[] edges = {0f, -0f, -87.5f, -103.9f, -104f, -150f, 88.7f, 89f, -200f, 200f, -1e-8f, 1e-8f};
        System.arraycopy(edges, 0, values, 0, edges.length);
        for (int o = 0; o < values.length; o += LANES) {
            float[] e = Elementwise.vectorExpf(FloatVector.fromArray(FloatVector.SPECIES_512, values, o)).toArray();
            for (int l = 0; l < LANES; l++) {
                assertThat(Float.floatToRawIntBits(e[l])).as("exp(%s)", values[o + l])
                        .isEqualTo(Float.floatToRawIntBits(Elementwise.vectorExpf(values[o + l])));
            }
        }
    }
}
