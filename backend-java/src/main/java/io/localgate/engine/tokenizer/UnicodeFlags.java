package io.localgate.engine.tokenizer;

import java.util.Arrays;

/**
 * The code point classes llama.cpp's pre-tokenizers test ({@code \p{L}}, {@code \p{N}}, {@code \s}...), with
 * the same bit values as its {@code unicode_cpt_flags}.
 *
 * <p>llama.cpp's tables (src/unicode-data.cpp) were generated from Unicode 15.1; {@link Character} follows
 * the JDK's Unicode version (16.0 in Java 25). The categories agree on every code point except those that
 * Unicode 16.0 newly assigned, which llama.cpp sees as unassigned; {@link #UNICODE_16_ADDITIONS} lists them.
 * Whitespace is llama.cpp's fixed set (Unicode's White_Space property), not {@link Character#isWhitespace}.
 */
final class UnicodeFlags {

    static final int UNDEFINED = 0x0001;
    static final int NUMBER = 0x0002;
    static final int LETTER = 0x0004;
    static final int SEPARATOR = 0x0008;
    static final int MARK = 0x0010;
    static final int PUNCTUATION = 0x0020;
    static final int SYMBOL = 0x0040;
    static final int CONTROL = 0x0080;
    static final int CATEGORIES = 0x00FF;
    static final int WHITESPACE = 0x0100;

    /** Inclusive ranges (first, last, first, last...) of code points assigned in Unicode 16.0 but not 15.1. */
    private static final int[] UNICODE_16_ADDITIONS = {
            0x00897, 0x00897, 0x01B4E, 0x01B4F, 0x01B7F, 0x01B7F, 0x01C89, 0x01C8A,
            0x02427, 0x02429, 0x031E4, 0x031E5, 0x0A7CB, 0x0A7CD, 0x0A7DA, 0x0A7DC,
            0x105C0, 0x105F3, 0x10D40, 0x10D65, 0x10D69, 0x10D85, 0x10D8E, 0x10D8F,
            0x10EC2, 0x10EC4, 0x10EFC, 0x10EFC, 0x11380, 0x11389, 0x1138B, 0x1138B,
            0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113C0, 0x113C2, 0x113C2,
            0x113C5, 0x113C5, 0x113C7, 0x113CA, 0x113CC, 0x113D5, 0x113D7, 0x113D8,
            0x113E1, 0x113E2, 0x116D0, 0x116E3, 0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9,
            0x11F5A, 0x11F5A, 0x13460, 0x143FA, 0x16100, 0x16139, 0x16D40, 0x16D79,
            0x18CFF, 0x18CFF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3, 0x1E5D0, 0x1E5FA,
            0x1E5FF, 0x1E5FF, 0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1FA89, 0x1FA89,
            0x1FA8F, 0x1FA8F, 0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6, 0x1FADC, 0x1FADC,
            0x1FADF, 0x1FADF, 0x1FAE9, 0x1FAE9, 0x1FBCB, 0x1FBEF,
    };

    private UnicodeFlags() {
    }

    /** The category bit and, for whitespace, {@link #WHITESPACE}; never 0 for a valid code point. */
    static int of(int cpt) {
        int flags = category(cpt);
        return isWhitespace(cpt) ? flags | WHITESPACE : flags;
    }

    static int category(int cpt) {
        if (cpt >= UNICODE_16_ADDITIONS[0] && isUnicode16Addition(cpt)) return UNDEFINED;
        return switch (Character.getType(cpt)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
    }

    static boolean isWhitespace(int cpt) {
        return (cpt >= 0x09 && cpt <= 0x0D) || cpt == 0x20 || cpt == 0x85 || cpt == 0xA0 || cpt == 0x1680
                || (cpt >= 0x2000 && cpt <= 0x200A) || cpt == 0x2028 || cpt == 0x2029 || cpt == 0x202F
                || cpt == 0x205F || cpt == 0x3000;
    }

    private static boolean isUnicode16Addition(int cpt) {
        int i = Arrays.binarySearch(UNICODE_16_ADDITIONS, cpt);
        // found: cpt is a range bound; not found: inside a range when the insertion point is odd
        return i >= 0 || ((-i - 1) & 1) == 1;
    }
}
