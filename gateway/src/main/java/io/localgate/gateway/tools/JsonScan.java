package io.localgate.gateway.tools;

/** Finds where one JSON value ends in text that may still be arriving, without parsing it. */
final class JsonScan {

    /** The value is not complete yet. */
    static final int INCOMPLETE = -1;
    /** The text there does not start an object or array. */
    static final int NOT_JSON = -2;

    private JsonScan() {
    }

    /** Index of the first non-whitespace char at or after {@code from}, or the text's length. */
    static int skipWhitespace(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        return i;
    }

    /**
     * The index just after the object or array that starts at {@code from} (after whitespace), or
     * {@link #INCOMPLETE} / {@link #NOT_JSON}. Brackets inside strings do not count.
     */
    static int containerEnd(String text, int from) {
        int i = skipWhitespace(text, from);
        if (i == text.length()) return INCOMPLETE;
        char first = text.charAt(i);
        if (first != '{' && first != '[') return NOT_JSON;
        int depth = 0;
        boolean inString = false;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return INCOMPLETE;
    }
}
