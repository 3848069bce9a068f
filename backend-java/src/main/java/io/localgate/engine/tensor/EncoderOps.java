package io.localgate.engine.tensor;

/**
 * Row-wise operations of a BERT-style encoder, rounding as ggml's CPU code does: {@code ggml_norm} (layer
 * norm) and {@code ggml_gelu}, which ggml computes through a table over F16 inputs.
 */
public final class EncoderOps {

    private static final float GELU_COEF_A = 0.044715f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    private EncoderOps() {
    }

    /**
     * {@code out = (x - mean) / sqrt(variance + eps) * weight + bias}, as ggml_norm followed by ggml_mul and
     * ggml_add: the mean and variance in double, the scale in float.
     */
    public static void layerNorm(float[] x, int xOffset, float[] weight, float[] bias, float eps, float[] out, int outOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[xOffset + i];
        float mean = (float) (sum / n);
        double squares = 0;
        for (int i = 0; i < n; i++) {
            float centred = x[xOffset + i] - mean;
            squares += centred * centred;
        }
        float variance = (float) (squares / n);
        float scale = 1f / (float) Math.sqrt(variance + eps);
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = (x[xOffset + i] - mean) * scale * weight[i] + bias[i];
        }
    }

    /**
     * GELU (tanh approximation) in place, as ggml_vec_gelu_f32 with {@code GGML_GELU_FP16}: 0 below -10, the
     * identity above 10, else the value rounded to F16, looked up, and the result rounded to F16.
     */
    public static void gelu(float[] x, int offset, int n) {
        for (int i = offset; i < offset + n; i++) {
            float v = x[i];
            if (v <= -10f) {
                x[i] = 0f;
            } else if (v < 10f) {
                float h = HalfFloat.roundToF16(v);
                x[i] = HalfFloat.roundToF16(0.5f * h * (1f + (float) Math.tanh(SQRT_2_OVER_PI * h * (1f + GELU_COEF_A * h * h))));
            }
        }
    }
}
