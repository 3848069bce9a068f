package io.localgate.engine.grammar;

import java.util.Arrays;

/**
 * The code points one terminal of a grammar matches: inclusive ranges, or everything outside them.
 * {@code .} is the negation of no range.
 */
final class CharSet {

    /** Pairs (low, high), inclusive, by low. */
    private final int[] ranges;
    private final boolean negated;

    CharSet(int[] ranges, boolean negated) {
        long[] pairs = new long[ranges.length / 2];
        for (int i = 0; i < pairs.length; i++) pairs[i] = ((long) ranges[2 * i] << 32) | (ranges[2 * i + 1] & 0xFFFFFFFFL);
        Arrays.sort(pairs);
        this.ranges = new int[ranges.length];
        for (int i = 0; i < pairs.length; i++) {
            this.ranges[2 * i] = (int) (pairs[i] >>> 32);
            this.ranges[2 * i + 1] = (int) pairs[i];
        }
        this.negated = negated;
    }

    static CharSet of(int codePoint) {
        return new CharSet(new int[] {codePoint, codePoint}, false);
    }

    static CharSet any() {
        return new CharSet(new int[0], true);
    }

    boolean matches(int codePoint) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (codePoint >= ranges[i] && codePoint <= ranges[i + 1]) return !negated;
        }
        return negated;
    }

    /** Whether some code point in {@code [low, high]} matches: can a partly decoded UTF-8 character still match? */
    boolean matchesAnyIn(int low, int high) {
        if (!negated) {
            for (int i = 0; i < ranges.length; i += 2) {
                if (ranges[i] <= high && ranges[i + 1] >= low) return true;
            }
            return false;
        }
        // negated: some point of [low, high] lies outside every range
        int next = low;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) break;
            next = Math.max(next, ranges[i + 1] + 1);
            if (next > high) return false;
        }
        return next <= high;
    }

    @Override
    public String toString() {
        var out = new StringBuilder(negated ? "[^" : "[");
        for (int i = 0; i < ranges.length; i += 2) {
            out.append(String.format("\\u%04X", ranges[i]));
            if (ranges[i + 1] != ranges[i]) out.append('-').append(String.format("\\u%04X", ranges[i + 1]));
        }
        return out.append(']').toString();
    }
}
