package io.localgate.engine.sampling;

import io.localgate.backend.Logprobs;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.engine.grammar.GrammarMatcher;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses each next token of one sequence, with llama.cpp's default sampler chain: the grammar (when the
 * request has one: only the tokens it allows stay candidates, as llama.cpp's common sampler applies it
 * first), logit bias, penalties (repeat, frequency, presence over the last {@code penaltyLastN} tokens,
 * prompt included), top-k, top-p, min-p, temperature, then a seeded draw. With a temperature of 0 or below
 * the chain ends after the penalties with the highest logit (the first one on a tie, as llama.cpp).
 *
 * <p>A step costs a few passes over the logits and no allocation: top-k and top-p select the best
 * candidates partially instead of sorting the vocabulary, and when neither is set nothing is sorted.
 *
 * <p>Reported log-probabilities are those of the model's own distribution (log-softmax of the raw
 * logits, before grammar, bias, penalties and temperature), as vLLM reports them by default.
 *
 * <p>Not thread-safe: a sampler belongs to the one sequence it samples for.
 */
public final class Sampler {

    /** The chosen token, its log-probability and, when asked for, the most likely tokens at this step. */
    public record Choice(int token, float logprob, List<TokenEvent.Alternative> top) {
    }

    private final SamplingParams params;
    private final int vocabSize;
    private final GrammarMatcher grammar;
    private final SplittableRandom random;
    private final int[] history;
    private int historyLength;
    private final float[] adjusted;
    private final int[] candidates;
    private final long[] keys;
    private final double[] weights;
    /** Occurrences per token in the penalty window (zero between steps), and the distinct tokens counted. */
    private final int[] counts;
    private final int[] distinct;

    /**
     * @param promptTokens the prompt, which the penalties see as history (as llama.cpp's server does)
     */
    public Sampler(SamplingParams params, int vocabSize, int[] promptTokens) {
        this(params, vocabSize, promptTokens, null);
    }

    /**
     * @param promptTokens the prompt, which the penalties see as history (as llama.cpp's server does)
     * @param grammar      the output's grammar, advanced with every chosen token; null for none
     */
    public Sampler(SamplingParams params, int vocabSize, int[] promptTokens, GrammarMatcher grammar) {
        this.params = params;
        this.vocabSize = vocabSize;
        this.grammar = grammar;
        this.random = new SplittableRandom(params.seed());
        int window = params.penaltyLastN() < 0 ? Integer.MAX_VALUE : params.penaltyLastN();
        this.history = new int[Math.min(window, 1 << 16)];
        this.adjusted = new float[vocabSize];
        this.candidates = new int[vocabSize];
        this.keys = new long[vocabSize];
        this.weights = new double[vocabSize];
        this.counts = params.penalised() ? new int[vocabSize] : null;
        this.distinct = params.penalised() ? new int[history.length] : null;
        for (int token : promptTokens) remember(token);
    }

    /**
     * Chooses the next token from a row of logits (not modified) and remembers it for the penalties and
     * the grammar.
     *
     * @param topLogprobs how many most likely tokens to report (0 for none)
     * @throws IllegalStateException when the grammar allows no token (or logit bias bans all it allows)
     */
    public Choice sample(float[] logits, int topLogprobs) {
        return sample(logits, topLogprobs, true);
    }

    /**
     * @param logprob whether to compute the chosen token's log-probability (a pass of exponentials over the
     *                vocabulary); without, the choice's {@code logprob} is NaN. Alternatives need it
     */
    public Choice sample(float[] logits, int topLogprobs, boolean logprob) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException("expected " + vocabSize + " logits, got " + logits.length);
        }
        if (topLogprobs > 0 && !logprob) throw new IllegalArgumentException("alternatives need the log-probabilities");
        float logSumExp = logprob ? Logprobs.logSumExp(logits) : Float.NaN;
        System.arraycopy(logits, 0, adjusted, 0, vocabSize);
        applyLogitBias(adjusted);
        if (params.penalised()) applyPenalties(adjusted);
        int token;
        if (grammar == null && params.greedy()) {
            token = argmax(adjusted);
        } else {
            int n = gatherCandidates(adjusted);
            if (n == 0) {
                if (grammar != null) throw new IllegalStateException("the grammar allows no token here (or logit_bias bans every one it allows)");
                token = argmax(adjusted); // everything banned: fall back rather than fail
            } else {
                token = params.greedy() ? best(adjusted, n) : draw(adjusted, n);
            }
        }
        if (grammar != null) grammar.accept(token);
        remember(token);
        return new Choice(token, logits[token] - logSumExp, topLogprobs > 0 ? Logprobs.top(logits, logSumExp, topLogprobs) : List.of());
    }

    /** Fills {@code candidates} with the tokens still possible (the grammar's, or all) whose logit is not banned. */
    private int gatherCandidates(float[] logits) {
        int n = 0;
        if (grammar != null) {
            int allowed = grammar.allowedTokens(candidates);
            for (int i = 0; i < allowed; i++) {
                if (usable(logits[candidates[i]])) candidates[n++] = candidates[i];
            }
        } else {
            for (int i = 0; i < vocabSize; i++) {
                if (usable(logits[i])) candidates[n++] = i;
            }
        }
        return n;
    }

    private static boolean usable(float logit) {
        return logit != Float.NEGATIVE_INFINITY && !Float.isNaN(logit);
    }

    private void applyLogitBias(float[] logits) {
        for (Map.Entry<Integer, Float> bias : params.logitBias().entrySet()) {
            int token = bias.getKey();
            if (token >= 0 && token < vocabSize) logits[token] += bias.getValue();
        }
    }

    private void applyPenalties(float[] logits) {
        int kinds = 0;
        for (int i = 0; i < Math.min(historyLength, history.length); i++) {
            if (counts[history[i]]++ == 0) distinct[kinds++] = history[i];
        }
        for (int i = 0; i < kinds; i++) {
            int token = distinct[i];
            float logit = logits[token];
            logit = logit <= 0 ? logit * params.repeatPenalty() : logit / params.repeatPenalty();
            logits[token] = logit - counts[token] * params.frequencyPenalty() - params.presencePenalty();
            counts[token] = 0;
        }
    }

    /** The highest logit among the candidates, the lowest id on a tie. */
    private int best(float[] logits, int n) {
        int best = candidates[0];
        for (int i = 1; i < n; i++) {
            int token = candidates[i];
            if (logits[token] > logits[best] || (logits[token] == logits[best] && token < best)) best = token;
        }
        return best;
    }

    /** The non-greedy chain over the candidates: top-k, top-p, min-p, temperature, then a draw. */
    private int draw(float[] logits, int n) {
        boolean topK = params.topK() > 0 && params.topK() < n;
        if (topK) n = sortBest(logits, n, params.topK());
        float max = topK ? logits[candidates[0]] : maxLogit(logits, n);
        if (params.topP() < 1f) n = topP(logits, n, max);
        if (params.minP() > 0f) n = minP(logits, n, max);
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

    /**
     * Keeps the smallest set of best candidates (by logit, then lower id) whose probability reaches
     * {@code topP}, at least one token. Found like quickselect, partitioning around a pivot and going into
     * the side where the mass runs out, so it takes linear time and sorts only a last handful.
     */
    private int topP(float[] logits, int n, float max) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            int token = candidates[i];
            keys[i] = orderKey(logits[token], token);
            weights[i] = Math.exp(logits[token] - max);
            total += weights[i];
        }
        double target = params.topP() * total;
        double kept = 0; // the mass of keys[0, lo): all better than the rest, all kept
        int lo = 0;
        int hi = n; // keys[hi, n) are worse than keys[lo, hi) and not needed
        while (hi - lo > 16) {
            long pivot = medianOfThree(keys[lo], keys[(lo + hi) >>> 1], keys[hi - 1]);
            int better = lo;
            double mass = 0;
            for (int i = lo; i < hi; i++) {
                if (keys[i] <= pivot) {
                    swap(i, better);
                    mass += weights[better++];
                }
            }
            // keys are distinct and the pivot is a median of three, so both sides are non-empty
            if (kept + mass >= target) {
                hi = better;
            } else {
                kept += mass;
                lo = better;
            }
        }
        for (int i = lo + 1; i < hi; i++) { // insertion sort of the last few
            for (int j = i; j > lo && keys[j] < keys[j - 1]; j--) swap(j, j - 1);
        }
        int cut = hi;
        for (int i = lo; i < hi; i++) {
            kept += weights[i];
            if (kept >= target) {
                cut = i + 1;
                break;
            }
        }
        cut = Math.max(cut, 1);
        for (int i = 0; i < cut; i++) candidates[i] = (int) keys[i];
        return cut;
    }

    private void swap(int i, int j) {
        long key = keys[i];
        keys[i] = keys[j];
        keys[j] = key;
        double weight = weights[i];
        weights[i] = weights[j];
        weights[j] = weight;
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** Keeps tokens at least {@code minP} times as likely as the best one, in their order. */
    private int minP(float[] logits, int n, float max) {
        float minLogit = max + (float) Math.log(params.minP());
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (logits[candidates[i]] >= minLogit) candidates[kept++] = candidates[i];
        }
        return kept;
    }

    /** Puts the {@code k} best of the {@code n} candidates first, best first (lower id first on a tie); returns {@code k}. */
    private int sortBest(float[] logits, int n, int k) {
        for (int i = 0; i < n; i++) keys[i] = orderKey(logits[candidates[i]], candidates[i]);
        keepSmallest(keys, n, k);
        Arrays.sort(keys, 0, k);
        for (int i = 0; i < k; i++) candidates[i] = (int) keys[i];
        return k;
    }


    private float maxLogit(float[] logits, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[candidates[i]]);
        return max;
    }

    /** A key whose ascending order is descending logit, then ascending token id. */
    private static long orderKey(float logit, int token) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed order of the int matches the float's
        return ((long) ~ordered << 32) | token;
    }

    /** Moves the {@code k} smallest of {@code keys[0..n)} to the front (unordered) with a bounded max-heap. */
    private static void keepSmallest(long[] keys, int n, int k) {
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(keys, i, k);
        for (int i = k; i < n; i++) {
            if (keys[i] < keys[0]) {
                keys[0] = keys[i];
                siftDown(keys, 0, k);
            }
        }
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
