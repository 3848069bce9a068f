package io.localgate.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a text at the special tokens in it before the tokenizer proper sees it, as llama.cpp's
 * {@code tokenizer_st_partition}: token by token, longest text first, every occurrence in every stretch
 * of text not yet cut out becomes that token. Control and unknown tokens count only when special tokens
 * are parsed; user-defined tokens always do. A token marked LSTRIP/RSTRIP swallows the ASCII whitespace
 * before/after it.
 */
final class SpecialTokenSplitter {

    /** Either a special token, or the text {@code [start, end)} of the input. */
    record Fragment(int token, int start, int end) {
        boolean isToken() {
            return token >= 0;
        }
    }

    private SpecialTokenSplitter() {
    }

    static List<Fragment> split(Vocabulary vocab, String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) return fragments;
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int token : vocab.specialTokensLongestFirst()) {
            if (!parseSpecial && vocab.has(token, Vocabulary.CONTROL | Vocabulary.UNKNOWN)) continue;
            String special = vocab.text(token);
            if (!text.contains(special)) continue;
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment fragment : fragments) {
                if (fragment.isToken()) {
                    next.add(fragment);
                } else {
                    cut(vocab, text, fragment, token, special, next);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    private static void cut(Vocabulary vocab, String text, Fragment fragment, int token, String special,
                            List<Fragment> out) {
        boolean stripLeft = vocab.has(token, Vocabulary.LSTRIP);
        boolean stripRight = vocab.has(token, Vocabulary.RSTRIP);
        int start = fragment.start();
        int end = fragment.end();
        while (true) {
            int match = text.indexOf(special, start, end);
            if (match < 0) break;
            int leftEnd = match;
            if (stripLeft) {
                while (leftEnd > start && isAsciiSpace(text.charAt(leftEnd - 1))) leftEnd--;
            }
            if (leftEnd > start) out.add(new Fragment(-1, start, leftEnd));
            out.add(new Fragment(token, match, match + special.length()));
            start = match + special.length();
            if (stripRight) {
                while (start < end && isAsciiSpace(text.charAt(start))) start++;
            }
        }
        if (start < end) out.add(new Fragment(-1, start, end));
    }

    /** C's isspace in the C locale, which llama.cpp applies to the bytes around the token. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
