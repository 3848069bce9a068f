package io.localgate.backend;

/**
 * One text's embedding.
 *
 * @param vector the pooled hidden state, L2-normalised (unit length), {@link ModelInfo#embeddingLength()} values
 * @param tokens how many tokens the input had (for usage accounting)
 */
public record Embedding(float[] vector, int tokens) {

    /**
     * The pooled vector scaled to unit length, as llama.cpp's {@code common_embd_normalize} with its default
     * (Euclidean) norm: the sum of squares in double, then each value times {@code 1 / norm} in float. An
     * all-zero vector stays zero.
     */
    public static Embedding normalized(float[] pooled, int tokens) {
        double sum = 0;
        for (float v : pooled) sum += v * v; // float products, double sum, as llama.cpp
        float scale = sum > 0 ? (float) (1.0 / Math.sqrt(sum)) : 0f;
        float[] vector = new float[pooled.length];
        for (int i = 0; i < vector.length; i++) vector[i] = pooled[i] * scale;
        return new Embedding(vector, tokens);
    }
}
