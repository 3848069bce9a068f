package io.localgate.engine.tensor;

/** The activation quantizations of ggml's CPU backend beyond Q8_0 ({@link Q8_0Matrix#quantizeBlock}). */
public final class ActivationQuants {

    /** Elements per K-quant superblock (ggml's {@code QK_K}). */
    public static final int QK_K = 256;

    private ActivationQuants() {
    }

    /**
     * Q8_1's {@code s} for the block of 32 at {@code offset}, whose Q8_0 quants are at the same offset:
     * {@code d * sum(quants)} rounded to F16, with {@code d = amax / 127} before its own rounding, as x86
     * {@code quantize_row_q8_1} computes it (its quants and stored {@code d} are Q8_0's).
     */
    public static float q8_1Sum(float[] x, byte[] quants, int offset) {
        float amax = 0f;
        int sum = 0;
        for (int i = 0; i < Q8_0Matrix.BLOCK; i++) {
            amax = Math.max(amax, Math.abs(x[offset + i]));
            sum += quants[offset + i];
        }
        return HalfFloat.roundToF16(amax / 127f * sum);
    }

    /**
     * ggml's {@code quantize_row_q8_K_ref} for the superblock at {@code offset} (which is also where its
     * quants go; its 16 sums go to {@code offset / 16}): scale {@code -127 / max} of the value with the
     * largest magnitude, quants rounded half to even and capped at 127.
     *
     * @return the superblock's {@code d}
     */
    public static float quantizeQ8K(float[] x, int offset, byte[] quants, short[] sums) {
        float max = 0f;
        float amax = 0f;
        for (int j = 0; j < QK_K; j++) {
            float ax = Math.abs(x[offset + j]);
            if (ax > amax) {
                amax = ax;
                max = x[offset + j];
            }
        }
        if (amax == 0f) {
            java.util.Arrays.fill(quants, offset, offset + QK_K, (byte) 0);
            java.util.Arrays.fill(sums, offset / 16, offset / 16 + QK_K / 16, (short) 0);
            return 0f;
        }
        float iscale = -127f / max;
        for (int j = 0; j < QK_K; j++) {
            quants[offset + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[offset + j]));
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += quants[offset + g * 16 + i];
            sums[offset / 16 + g] = (short) sum;
        }
        return 1f / iscale;
    }
}
