package io.localgate.engine.tensor;

/**
 * Row-wise operations of a BERT-style encoder, rounding as ggml's CPU code does: {@code ggml_norm} (layer
 * norm) and {@code ggml_gelu}, which ggml computes through a table over F16 inputs.
 */
public final class EncoderOps {

    private static final float GELU_COEF_A = 0.044715f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final int LANES = 16;

    private EncoderOps() {
    }

    /**
     * {@code out = (x - mean) / sqrt(variance + eps) * weight + bias}, as ggml_norm (AVX-512 build) followed by
     * ggml_mul and ggml_add: the sum in double, the mean in float; the squared deviations summed 16 at a time
     * in float (the {@code _mm512_reduce_add_ps} tree), the groups in double; the scale in float.
     */
    public static void layerNorm(float[] x, int xOffset, float[] weight, float[] bias, float eps, float[] out, int outOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[xOffset + i];
        float mean = (float) sum / n;
        double squares = 0;
        float[] lanes = new float[LANES];
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            for (int l = 0; l < LANES; l++) {
                float centred = x[xOffset + i + l] - mean;
                lanes[l] = centred * centred;
            }
            squares += reduceAdd16(lanes);
        }
        for (; i < n; i++) {
            float centred = x[xOffset + i] - mean;
            squares += centred * centred;
        }
        float variance = (float) (squares / n);
        float scale = 1f / (float) Math.sqrt(variance + eps);
        for (int j = 0; j < n; j++) {
            out[outOffset + j] = (x[xOffset + j] - mean) * scale * weight[j] + bias[j];
        }
    }

    /** {@code _mm512_reduce_add_ps}: halves added pairwise down to one lane. */
    private static float reduceAdd16(float[] a) {
        float t0 = a[0] + a[8], t1 = a[1] + a[9], t2 = a[2] + a[10], t3 = a[3] + a[11];
        float t4 = a[4] + a[12], t5 = a[5] + a[13], t6 = a[6] + a[14], t7 = a[7] + a[15];
        float u0 = t0 + t4, u1 = t1 + t5, u2 = t2 + t6, u3 = t3 + t7;
        return (u0 + u2) + (u1 + u3);
    }

    /**
     * GELU (tanh approximation) in place, as ggml_vec_gelu_f32 with {@code GGML_GELU_FP16}: 0 below -10, the
     * identity above 10, else the value rounded to F16, looked up, and the result rounded to F16. The table
     * entry is recomputed here exactly as ggml's CPU build computes it.
     */
    public static void gelu(float[] x, int offset, int n) {
        for (int i = offset; i < offset + n; i++) {
            float v = x[i];
            if (v <= -10f) {
                x[i] = 0f;
            } else if (v < 10f) {
                float h = HalfFloat.roundToF16(v);
                float inner = Math.fma(GELU_COEF_A * h, h, 1f); // the compiler fuses ggml's 1 + a*x*x (table value differs otherwise)
                x[i] = HalfFloat.roundToF16(0.5f * h * (1f + (float) Math.tanh(SQRT_2_OVER_PI * h * inner)));
            }
        }
    }
}
