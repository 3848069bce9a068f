package io.localgate.gateway.generation;

import java.util.List;

/**
 * Finds stop strings in generated text as it streams. Text that could be the start of a stop string is
 * held back until the next piece shows whether it is; a match ends the output just before it.
 */
final class StopStrings {

    /** What may be shown now; {@code stopped} when a stop string matched (the text is then all before it). */
    record Released(String text, boolean stopped) {
    }

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();

    StopStrings(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    Released append(String text) {
        held.append(text);
        int match = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (match < 0 || at < match)) match = at;
        }
        if (match >= 0) {
            String before = held.substring(0, match);
            held.setLength(0);
            return new Released(before, true);
        }
        int keep = 0;
        for (String stop : stops) {
            keep = Math.max(keep, longestSuffixThatStarts(stop));
        }
        String released = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return new Released(released, false);
    }

    /** The held text, at the end of a generation that no stop string ended. */
    String flush() {
        String rest = held.toString();
        held.setLength(0);
        return rest;
    }

    /** The length of the longest end of the held text that is a proper beginning of {@code stop}. */
    private int longestSuffixThatStarts(String stop) {
        for (int k = Math.min(stop.length() - 1, held.length()); k > 0; k--) {
            if (endsWith(stop, k)) return k;
        }
        return 0;
    }

    private boolean endsWith(String stop, int prefixLength) {
        int offset = held.length() - prefixLength;
        for (int i = 0; i < prefixLength; i++) {
            if (held.charAt(offset + i) != stop.charAt(i)) return false;
        }
        return true;
    }
}
