package io.localgate.engine.tensor;

/**
 * The form an activation row takes before ggml multiplies it with a weight row (a weight type's
 * {@code vec_dot_type}): matching it is what makes our logits agree with llama.cpp's.
 */
public enum DotType {
    /** Activations as they are (F32 weights). */
    F32,
    /** Activations rounded to F16 (F16 weights). */
    F16,
    /** Activations rounded to BF16 (BF16 weights). */
    BF16,
    /** Activations quantized to Q8_0 blocks of 32 (Q8_0, Q4_0, Q5_0, IQ4_NL weights): an integer dot per block. */
    Q8_0,
    /** Q8_0's quants plus each block's {@code d * sum(quants)} (Q4_1, Q5_1 weights, whose blocks have an offset). */
    Q8_1,
    /** Activations quantized to Q8_K superblocks of 256 with a float scale and sums per 16 (the K-quants). */
    Q8_K
}
