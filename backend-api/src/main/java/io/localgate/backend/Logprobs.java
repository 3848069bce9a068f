package io.localgate.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities as every backend reports them in {@link TokenEvent.Token}: the log-softmax of the
 * model's raw logits, before logit bias, penalties and temperature (as vLLM reports them by default).
 * One definition, so that both backends give the same numbers for the same logits.
 */
public final class Logprobs {

    private Logprobs() {
    }

    public static float logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        return (float) (max + Math.log(sum));
    }

    /** The {@code count} most likely tokens, best first (the lower id first on a tie). */
    public static List<TokenEvent.Alternative> top(float[] logits, float logSumExp, int count) {
        int n = Math.min(count, logits.length);
        int[] best = new int[n];
        int filled = 0;
        for (int i = 0; i < logits.length; i++) {
            float l = logits[i];
            if (filled == n && l <= logits[best[n - 1]]) continue;
            int at = filled < n ? filled++ : n - 1;
            while (at > 0 && logits[best[at - 1]] < l) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        var top = new ArrayList<TokenEvent.Alternative>(filled);
        for (int i = 0; i < filled; i++) top.add(new TokenEvent.Alternative(best[i], logits[best[i]] - logSumExp));
        return top;
    }
}
