package io.localgate.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise operations of a transformer layer, written to round as ggml's CPU code does (the order of
 * operations and the precision of each sum matter for greedy agreement with llama.cpp).
 */
public final class Elementwise {

    /** ggml's AVX-512 SwiGLU works in groups of 16 with its own exp; the leftover tail uses libm's expf. */
    private static final int SILU_GROUP = 16;
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_512;

    private Elementwise() {
    }

    /**
     * RMS norm times a weight, as ggml_rms_norm followed by ggml_mul: the sum of squares in double,
     * {@code scale = 1 / sqrtf(mean + eps)} in float, then {@code x * scale * w}.
     */
    public static void rmsNorm(float[] x, int xOffset, float[] weight, float eps, float[] out, int outOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        int i = 0;
        for (; i <= n - LANES.length(); i += LANES.length()) {
            FloatVector.fromArray(LANES, x, xOffset + i).mul(scale).mul(FloatVector.fromArray(LANES, weight, i)).intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            out[outOffset + i] = x[xOffset + i] * scale * weight[i];
        }
    }

    /** {@code out = silu(gate) * up} as ggml_vec_swiglu_f32 (AVX-512 build): silu(x) = x / (1 + e^-x). */
    public static void swiglu(float[] gate, float[] up, float[] out, int offset, int n) {
        int grouped = n - n % SILU_GROUP;
        FloatVector zero = FloatVector.zero(LANES);
        for (int i = 0; i < grouped; i += SILU_GROUP) {
            FloatVector x = FloatVector.fromArray(LANES, gate, offset + i);
            FloatVector e = vectorExpf(zero.sub(x));
            x.div(e.add(1f)).mul(FloatVector.fromArray(LANES, up, offset + i)).intoArray(out, offset + i);
        }
        for (int i = grouped; i < n; i++) {
            float x = gate[offset + i];
            out[offset + i] = x / (1f + Libm.expf(-x)) * up[offset + i];
        }
    }

    /** {@code x += y} over {@code n} values. */
    public static void add(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (; i <= n - LANES.length(); i += LANES.length()) {
            FloatVector.fromArray(LANES, x, xOffset + i).add(FloatVector.fromArray(LANES, y, yOffset + i)).intoArray(x, xOffset + i);
        }
        for (; i < n; i++) x[xOffset + i] += y[yOffset + i];
    }

    /** {@link #vectorExpf} on every lane: the same operations, so the same values. */
    static FloatVector vectorExpf(FloatVector x) {
        final float r = 0x1.8p23f;
        FloatVector z = x.fma(0x1.715476p+0f, r);
        FloatVector n = z.sub(r);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(x.broadcast(0x1.7f7d1cp-20f), minusN.fma(x.broadcast(0x1.62e4p-1f), x));
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(0x1.0e4020p-7f, 0x1.573e2ep-5f).fma(u, b.fma(0x1.555e66p-3f, 0x1.fffdb6p-2f))
                .fma(u, b.fma(0x1.ffffecp-1f, 1f));
        // scalb(j, n) for |n| <= 192 in two exact steps (n may exceed the exponent range of one power of two)
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector scaled = j.mul(powerOfTwo(half)).mul(powerOfTwo(k.sub(half)));
        VectorMask<Float> outside = n.abs().compare(VectorOperators.GT, 192f);
        FloatVector limit = FloatVector.zero(x.species()).blend(Float.POSITIVE_INFINITY, n.compare(VectorOperators.GT, 0f));
        return scaled.blend(limit, outside);
    }

    private static FloatVector powerOfTwo(IntVector exponent) {
        return exponent.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /**
     * One lane of ggml's vectorised {@code ggml_v_expf} (AVX-512): range reduction to {@code 2^n * e^b}
     * and a polynomial for {@code e^b}, at most about 1.5 ulp from the true value. Ported operation for
     * operation (same fused multiply-adds) so that activations round as in llama.cpp.
     */
    static float vectorExpf(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        float u = b * b;
        float j = Math.fma(
                Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u,
                Math.fma(0x1.ffffecp-1f, b, 1f));
        if (Math.abs(n) > 192f) return n <= 0f ? 0f : Float.POSITIVE_INFINITY;
        return Math.scalb(j, (int) n);
    }
}
