package io.localgate.engine.tensor;

/**
 * Rotary position embedding as ggml_rope_ext without YaRN: the angle of dimension pair {@code i} at
 * position {@code p} is {@code freqScale * p * thetaScale^i / freqFactor[i]}, with {@code thetaScale^i}
 * built by repeated float multiplication as ggml does.
 */
public final class Rope {

    /** Which elements of a head form the rotated pairs. */
    public enum Style {
        /** Adjacent pairs {@code (x[2i], x[2i+1])}: llama. */
        NORMAL,
        /** Halves {@code (x[i], x[i + dims/2])}: GPT-NeoX, Qwen2. */
        NEOX
    }

    private final Style style;
    private final int headDim;
    private final int dims;
    private final float thetaScale;
    private final float freqScale;
    private final float[] freqFactors;

    /**
     * @param dims        rotated dimensions per head ({@code rope.dimension_count}), at most {@code headDim}
     * @param freqFactors per-pair divisors of the frequency (llama3's {@code rope_freqs.weight}), or null
     */
    public Rope(Style style, int headDim, int dims, float freqBase, float freqScale, float[] freqFactors) {
        if (dims > headDim || dims % 2 != 0) throw new IllegalArgumentException("rope dims " + dims + " for heads of " + headDim);
        if (freqFactors != null && freqFactors.length < dims / 2) {
            throw new IllegalArgumentException("rope frequency factors: " + freqFactors.length + " for " + dims + " dims");
        }
        this.style = style;
        this.headDim = headDim;
        this.dims = dims;
        this.thetaScale = (float) Math.pow(freqBase, -2.0f / dims);
        this.freqScale = freqScale;
        this.freqFactors = freqFactors;
    }

    /** Fills {@code cache[offset + 2i]} and {@code [offset + 2i + 1]} with the cosine and sine of pair {@code i} (libm's). */
    public void angles(int position, float[] cache, int offset) {
        float theta = position;
        for (int i0 = 0; i0 < dims; i0 += 2) {
            float factor = freqFactors != null ? freqFactors[i0 / 2] : 1f;
            Libm.sincosf(freqScale * (theta / factor), cache, offset + i0);
            theta *= thetaScale;
        }
    }

    /**
     * Rotates {@code heads} consecutive heads starting at {@code x[offset]} by the angles from {@link #angles},
     * with the fused multiply-adds of llama.cpp's x86 build (its in-place rotation loop).
     */
    public void rotate(float[] x, int offset, int heads, float[] cache, int cacheOffset) {
        for (int h = 0; h < heads; h++) {
            int head = offset + h * headDim;
            for (int i0 = 0; i0 < dims; i0 += 2) {
                float cos = cache[cacheOffset + i0];
                float sin = cache[cacheOffset + i0 + 1];
                int first = head + (style == Style.NORMAL ? i0 : i0 / 2);
                int second = first + (style == Style.NORMAL ? 1 : dims / 2);
                float x0 = x[first];
                float x1 = x[second];
                x[first] = Math.fma(x0, cos, -(x1 * sin));
                x[second] = Math.fma(x0, sin, x1 * cos);
            }
        }
    }
}
