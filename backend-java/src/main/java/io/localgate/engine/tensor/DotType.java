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
    /** Activations quantized to Q8_0 blocks of 32 (Q8_0 and Q4_0 weights): an integer dot per block. */
    Q8_0
}
