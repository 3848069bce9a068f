package io.localgate.gateway.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON integers in {@code [min, max]} as a GBNF rule body, by splitting the range into digit patterns
 * (the way a regular expression for a numeric range is built): {@code [12, 345]} becomes
 * {@code "1" [2-9] | [2-9] [0-9] | [1-2] [0-9]{2} | "3" [0-3] [0-9] | "34" [0-5]}. An open end stops at
 * 16 digits, as the plain {@code integer} rule does.
 */
final class IntegerRange {

    /** The largest magnitude an open range reaches: 16 digits. */
    static final long OPEN = 9_999_999_999_999_999L;

    private IntegerRange() {
    }

    /** @param min at least {@code -OPEN}; @param max at most {@code OPEN}; {@code min <= max} */
    static String of(long min, long max) {
        var alternatives = new ArrayList<String>();
        if (min < 0) {
            long nearest = Math.min(max, -1);
            for (String magnitude : nonNegative(-nearest, -min)) alternatives.add("\"-\" " + magnitude);
        }
        if (max >= 0) alternatives.addAll(nonNegative(Math.max(min, 0), max));
        return "(" + String.join(" | ", alternatives) + ")";
    }

    /** Patterns for {@code [lo, hi]}, {@code 0 <= lo <= hi}, without leading zeros. */
    private static List<String> nonNegative(long lo, long hi) {
        var patterns = new ArrayList<String>();
        int from = Long.toString(lo).length();
        int to = Long.toString(hi).length();
        for (int length = from; length <= to; length++) {
            long low = Math.max(lo, length == 1 ? 0 : pow10(length - 1));
            long high = Math.min(hi, pow10(length) - 1);
            sameLength(Long.toString(low), Long.toString(high), "", patterns);
        }
        return patterns;
    }

    /** Patterns for the numbers between two digit strings of one length, after a fixed prefix. */
    private static void sameLength(String a, String b, String prefix, List<String> out) {
        int i = 0;
        while (i < a.length() && a.charAt(i) == b.charAt(i)) i++;
        String common = prefix + a.substring(0, i);
        if (i == a.length()) {
            out.add(literal(common));
            return;
        }
        char x = a.charAt(i);
        char y = b.charAt(i);
        String aRest = a.substring(i + 1);
        String bRest = b.substring(i + 1);
        int rest = aRest.length();
        boolean aFloor = aRest.chars().allMatch(c -> c == '0');
        boolean bCeiling = bRest.chars().allMatch(c -> c == '9');
        char middleLow = aFloor ? x : (char) (x + 1);
        char middleHigh = bCeiling ? y : (char) (y - 1);
        if (!aFloor) sameLength(aRest, "9".repeat(rest), common + x, out);
        if (middleLow <= middleHigh) {
            out.add(join(literal(common), digitClass(middleLow, middleHigh), rest == 0 ? "" : rest == 1 ? "[0-9]" : "[0-9]{" + rest + "}"));
        }
        if (!bCeiling) sameLength("0".repeat(rest), bRest, common + y, out);
    }

    private static String digitClass(char low, char high) {
        return low == high ? "\"" + low + "\"" : "[" + low + "-" + high + "]";
    }

    private static String literal(String digits) {
        return digits.isEmpty() ? "" : "\"" + digits + "\"";
    }

    private static String join(String... parts) {
        var out = new StringBuilder();
        for (String part : parts) {
            if (part.isEmpty()) continue;
            if (!out.isEmpty()) out.append(' ');
            out.append(part);
        }
        return out.toString();
    }

    private static long pow10(int exponent) {
        long value = 1;
        for (int i = 0; i < exponent; i++) value *= 10;
        return value;
    }
}
