package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector forms of ggml's roundings give exactly what their one-value forms give. */
class VectorRoundingTest {

    private static final int LANES = FloatVector.SPECIES_512.length();

    @Test
    void roundToF16MatchesTheScalarRoundTrip() {
        float[] values = new float[1 << 20];
        var random = new SplittableRandom(3);
        int i = 0;
        // every F16 value, and the points halfway between neighbours (ties) and just beside them
        for (int h = 0; h < 0x7C00 && i + 4 <= values.length; h++) {
            float v = Float.float16ToFloat((short) h);
            float next = Float.float16ToFloat((short) (h + 1));
            float mid = (v + next) / 2;
            values[i++] = v;
            values[i++] = mid;
            values[i++] = Math.nextUp(mid);
            values[i++] = -Math.nextDown(mid);
        }
        float[] specials = {0f, -0f, 65504f, 65519.99f, 65520f, 1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-45f, 0x1p-25f, 0x1.8p-25f};
        for (float s : specials) values[i++] = s;
        while (i < values.length) values[i++] = Float.intBitsToFloat(random.nextInt());
        for (int o = 0; o < values.length; o += LANES) {
            float[] rounded = Simd.roundToF16(FloatVector.fromArray(FloatVector.SPECIES_512, values, o)).toArray();
            for (int l = 0; l < LANES; l++) {
                float expected = HalfFloat.roundToF16(values[o + l]);
                if (Float.isNaN(expected)) assertThat(rounded[l]).isNaN();
                else assertThat(Float.floatToRawIntBits(rounded[l])).as("%s", values[o + l]).isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

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
