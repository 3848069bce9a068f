package io.localgate.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * Order statistics of a sample: median, extremes and percentiles (linear interpolation between the
 * closest ranks, as numpy's default and vLLM's benchmark use).
 */
public record Stats(double[] sorted) {

    public Stats {
        if (sorted.length == 0) throw new IllegalArgumentException("no samples");
        sorted = sorted.clone();
        Arrays.sort(sorted);
    }

    public static Stats of(Collection<Double> samples) {
        return new Stats(samples.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public int count() {
        return sorted.length;
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    public double median() {
        return percentile(50);
    }

    public double mean() {
        return Arrays.stream(sorted).average().orElseThrow();
    }

    /** The {@code p}-th percentile, 0 to 100. */
    public double percentile(double p) {
        if (p < 0 || p > 100) throw new IllegalArgumentException("percentile must be in [0, 100]: " + p);
        double rank = p / 100 * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
