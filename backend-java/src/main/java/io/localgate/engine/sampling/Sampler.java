package io.localgate.engine.sampling;

import io.localgate.backend.Logprobs;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses each next token of one sequence, with llama.cpp's default sampler chain: logit bias,
 * penalties (repeat, frequency, presence over the last {@code penaltyLastN} tokens, prompt included),
 * top-k, top-p, min-p, temperature, then a seeded draw. With a temperature of 0 or below the chain ends
 * after the penalties with the highest logit (the first one on a tie, as llama.cpp).
 *
 * <p>Reported log-probabilities are those of the model's own distribution (log-softmax of the raw
 * logits, before bias, penalties and temperature), as vLLM reports them by default.
 *
 * <p>Not thread-safe: a sampler belongs to the one sequence it samples for.
 */
public final class Sampler {

    /** The chosen token, its log-probability and, when asked for, the most likely tokens at this step. */
    public record Choice(int token, float logprob, List<TokenEvent.Alternative> top) {
    }

    private final SamplingParams params;
    private final int vocabSize;
    private final SplittableRandom random;
    private final int[] history;
    private int historyLength;
    private final float[] adjusted;
    private final int[] candidates;
    private final long[] keys;

    /**
     * @param promptTokens the prompt, which the penalties see as history (as llama.cpp's server does)
     */
    public Sampler(SamplingParams params, int vocabSize, int[] promptTokens) {
        this.params = params;
        this.vocabSize = vocabSize;
        this.random = new SplittableRandom(params.seed());
        int window = params.penaltyLastN() < 0 ? Integer.MAX_VALUE : params.penaltyLastN();
        this.history = new int[Math.min(window, 1 << 16)];
        this.adjusted = new float[vocabSize];
        this.candidates = new int[vocabSize];
        this.keys = new long[vocabSize];
        for (int token : promptTokens) remember(token);
    }

    /**
     * Chooses the next token from a row of logits (not modified) and remembers it for the penalties.
     *
     * @param topLogprobs how many most likely tokens to report (0 for none)
     */
    public Choice sample(float[] logits, int topLogprobs) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException("expected " + vocabSize + " logits, got " + logits.length);
        }
        float logSumExp = Logprobs.logSumExp(logits);
        System.arraycopy(logits, 0, adjusted, 0, vocabSize);
        applyLogitBias(adjusted);
        if (params.penalised()) applyPenalties(adjusted);
        int token = params.greedy() ? argmax(adjusted) : draw(adjusted);
        remember(token);
        return new Choice(token, logits[token] - logSumExp, topLogprobs > 0 ? Logprobs.top(logits, logSumExp, topLogprobs) : List.of());
    }

    private void applyLogitBias(float[] logits) {
        for (Map.Entry<Integer, Float> bias : params.logitBias().entrySet()) {
            int token = bias.getKey();
            if (token >= 0 && token < vocabSize) logits[token] += bias.getValue();
        }
    }

    private void applyPenalties(float[] logits) {
        var counts = new HashMap<Integer, Integer>();
        for (int i = 0; i < Math.min(historyLength, history.length); i++) {
            counts.merge(history[i], 1, Integer::sum);
        }
        counts.forEach((token, count) -> {
            float logit = logits[token];
            logit = logit <= 0 ? logit * params.repeatPenalty() : logit / params.repeatPenalty();
            logits[token] = logit - count * params.frequencyPenalty() - params.presencePenalty();
        });
    }

    /** The non-greedy chain over the candidates: top-k, top-p, min-p, temperature, then a draw. */
    private int draw(float[] logits) {
        int n = sortedCandidates(logits, params.topK() > 0 ? Math.min(params.topK(), vocabSize) : vocabSize);
        if (n == 0) return argmax(logits); // everything banned: fall back rather than fail
        n = topP(logits, n);
        n = minP(logits, n);
        double[] weights = new double[n];
        float max = logits[candidates[0]];
        double total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.exp((logits[candidates[i]] - max) / params.temperature());
            total += weights[i];
        }
        double target = random.nextDouble() * total;
        double running = 0;
        for (int i = 0; i < n; i++) {
            running += weights[i];
            if (running >= target) return candidates[i];
        }
        return candidates[n - 1];
    }

    /** Fills {@code candidates} with the {@code k} best finite logits, best first (lower id first on a tie); returns how many. */
    private int sortedCandidates(float[] logits, int k) {
        int n = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (logits[i] != Float.NEGATIVE_INFINITY && !Float.isNaN(logits[i])) keys[n++] = orderKey(logits[i], i);
        }
        if (k < n) n = keepSmallest(keys, n, k);
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) candidates[i] = (int) keys[i];
        return n;
    }

    /** A key whose ascending order is descending logit, then ascending token id. */
    private static long orderKey(float logit, int token) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed order of the int matches the float's
        return ((long) ~ordered << 32) | token;
    }

    /** Moves the {@code k} smallest of {@code keys[0..n)} to the front (unordered) with a bounded max-heap. */
    private static int keepSmallest(long[] keys, int n, int k) {
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(keys, i, k);
        for (int i = k; i < n; i++) {
            if (keys[i] < keys[0]) {
                keys[0] = keys[i];
                siftDown(keys, 0, k);
            }
        }
        return k;
    }

    private static void siftDown(long[] heap, int i, int size) {
        while (true) {
            int largest = i;
            int left = 2 * i + 1;
            int right = left + 1;
            if (left < size && heap[left] > heap[largest]) largest = left;
            if (right < size && heap[right] > heap[largest]) largest = right;
            if (largest == i) return;
            long swap = heap[i];
            heap[i] = heap[largest];
            heap[largest] = swap;
            i = largest;
        }
    }

    /** Keeps the smallest prefix whose probability reaches {@code topP} (at least one token). */
    private int topP(float[] logits, int n) {
        if (params.topP() >= 1f) return n;
        double[] p = softmax(logits, n);
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += p[i];
            if (cumulative >= params.topP()) return i + 1;
        }
        return n;
    }

    /** Keeps tokens at least {@code minP} times as likely as the best one. */
    private int minP(float[] logits, int n) {
        if (params.minP() <= 0f) return n;
        float minLogit = logits[candidates[0]] + (float) Math.log(params.minP());
        int kept = 1;
        while (kept < n && logits[candidates[kept]] >= minLogit) kept++;
        return kept;
    }

    private double[] softmax(float[] logits, int n) {
        double[] p = new double[n];
        float max = logits[candidates[0]];
        double total = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[candidates[i]] - max);
            total += p[i];
        }
        for (int i = 0; i < n; i++) p[i] /= total;
        return p;
    }

    private void remember(int token) {
        if (history.length == 0) return;
        history[historyLength % history.length] = token;
        historyLength++;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
