package io.localgate.backend;

/**
 * One text's embedding.
 *
 * @param vector the pooled hidden state, L2-normalised (unit length), {@link ModelInfo#embeddingLength()} values
 * @param tokens how many tokens the input had (for usage accounting)
 */
public record Embedding(float[] vector, int tokens) {

    /**
     * Checks one input to embed against a loaded model, the same way for every backend.
     *
     * @throws IllegalArgumentException when the input is empty, longer than the context, or names a token outside
     *                                  the vocabulary
     */
    public static void requireFits(int[] input, int contextSize, int vocabSize) {
        if (input.length == 0) throw new IllegalArgumentException("an input to embed is empty");
        if (input.length > contextSize) {
            throw new IllegalArgumentException("an input of " + input.length + " tokens exceeds the context of " + contextSize);
        }
        for (int token : input) {
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("token " + token + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
    }

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
