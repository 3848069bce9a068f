package io.localgate.engine.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a text into the words that byte-level BPE merges within, as llama.cpp's
 * {@code unicode_regex_split} does: a chain of rules, each splitting every piece the previous rules left.
 *
 * <p>llama.cpp runs the GPT-2 and Llama 3 style regexes through hand-written matchers with quirks of their
 * own; {@link Gpt2Words} and {@link Llama3Words} follow those step by step. Every other regex goes through
 * {@code std::regex} on a transformed text, which {@link RegexRule} reproduces with {@code java.util.regex}.
 */
final class PreTokenizer {

    /** One split rule: appends the lengths (in code points) of the pieces it cuts {@code [from, to)} into. */
    sealed interface Rule permits Gpt2Words, Llama3Words, GroupedDigits, RegexRule {
        void split(Text text, int from, int to, IntList lengths);
    }

    private final List<Rule> rules;

    PreTokenizer(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The lengths, in code points, of the consecutive words of the text. */
    IntList split(int[] cpts) {
        Text text = new Text(cpts);
        IntList lengths = new IntList(1);
        lengths.add(cpts.length);
        for (Rule rule : rules) {
            IntList next = new IntList(lengths.size() * 2);
            int start = 0;
            for (int i = 0; i < lengths.size(); i++) {
                int end = start + lengths.get(i);
                rule.split(text, start, end, next);
                start = end;
            }
            lengths = next;
        }
        return lengths;
    }

    /** The code points of a text with their {@link UnicodeFlags}, and the two views the regex rules match on. */
    static final class Text {
        private final int[] cpts;
        private final int[] flags;
        private String collapsed;
        private String wide;
        private int[] wideCharIndex;
        private int[] wideCptIndex;

        Text(int[] cpts) {
            this.cpts = cpts;
            this.flags = new int[cpts.length];
            for (int i = 0; i < cpts.length; i++) flags[i] = UnicodeFlags.of(cpts[i]);
        }

        /**
         * llama.cpp's "collapsed" text: ASCII kept, every other code point replaced by one byte that stands
         * for its class (0x0B for whitespace, 0xD1 number, 0xD2 letter, 0xD3 punctuation, 0xD4 mark,
         * 0xD5 symbol, 0xD0 anything else), so that a byte regex can test Unicode classes.
         */
        String collapsed() {
            if (collapsed == null) {
                char[] chars = new char[cpts.length];
                for (int i = 0; i < cpts.length; i++) {
                    chars[i] = cpts[i] < 0x80 ? (char) cpts[i] : (flags[i] & UnicodeFlags.WHITESPACE) != 0 ? 0x0B
                            : RegexRule.placeholder(flags[i] & UnicodeFlags.CATEGORIES);
                }
                collapsed = new String(chars);
            }
            return collapsed;
        }

        /** The text for regexes without Unicode classes: non-ASCII whitespace becomes 0x0B, as in llama.cpp. */
        String wide() {
            if (wide == null) {
                var sb = new StringBuilder(cpts.length);
                wideCharIndex = new int[cpts.length + 1];
                for (int i = 0; i < cpts.length; i++) {
                    wideCharIndex[i] = sb.length();
                    boolean nonAsciiSpace = cpts[i] > 0x7F && (flags[i] & UnicodeFlags.WHITESPACE) != 0;
                    sb.appendCodePoint(nonAsciiSpace ? 0x0B : cpts[i]);
                }
                wideCharIndex[cpts.length] = sb.length();
                wideCptIndex = new int[sb.length() + 1];
                for (int i = 0; i <= cpts.length; i++) wideCptIndex[wideCharIndex[i]] = i;
                wide = sb.toString();
            }
            return wide;
        }

        /** Flags of the code point at pos, or 0 outside {@code [from, to)}. */
        int flags(int pos, int from, int to) {
            return pos >= from && pos < to ? flags[pos] : 0;
        }

        /** The code point at pos, or -1 outside {@code [from, to)}. */
        int cpt(int pos, int from, int to) {
            return pos >= from && pos < to ? cpts[pos] : -1;
        }
    }

    /** Collects piece lengths for the hand-written matchers, which advance a position through a range. */
    private static final class Cutter {
        private final IntList lengths;
        private int previousEnd;

        Cutter(IntList lengths, int from) {
            this.lengths = lengths;
            this.previousEnd = from;
        }

        int cut(int end) {
            int length = end - previousEnd;
            if (length > 0) lengths.add(length);
            previousEnd = end;
            return end;
        }
    }

    private static boolean isLetter(int flags) {
        return (flags & UnicodeFlags.LETTER) != 0;
    }

    private static boolean isNumber(int flags) {
        return (flags & UnicodeFlags.NUMBER) != 0;
    }

    private static boolean isWhitespace(int flags) {
        return (flags & UnicodeFlags.WHITESPACE) != 0;
    }

    private static boolean isMark(int flags) {
        return (flags & UnicodeFlags.MARK) != 0;
    }

    private static boolean isNewline(int cpt) {
        return cpt == '\r' || cpt == '\n';
    }

    /** The length of a contraction ('s 't 'm 'd 're 've 'll) at pos, or 0; ASCII case folded when asked. */
    private static int contraction(Text t, int pos, int from, int to, boolean ignoreCase) {
        if (t.cpt(pos, from, to) != '\'' || pos + 1 >= to) return 0;
        int next = lower(t.cpt(pos + 1, from, to), ignoreCase);
        if (next == 's' || next == 't' || next == 'm' || next == 'd') return 2;
        if (pos + 2 >= to) return 0;
        int nextNext = lower(t.cpt(pos + 2, from, to), ignoreCase);
        boolean two = (next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l');
        return two ? 3 : 0;
    }

    // only ASCII letters lower-case to the letters of a contraction, so ASCII folding is all it takes
    private static int lower(int cpt, boolean ignoreCase) {
        return ignoreCase && cpt >= 'A' && cpt <= 'Z' ? cpt + ('a' - 'A') : cpt;
    }

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)} (llama.cpp's matcher). */
    record Gpt2Words() implements Rule {
        @Override
        public void split(Text t, int from, int to, IntList lengths) {
            var cutter = new Cutter(lengths, from);
            int pos = from;
            while (pos < to) {
                int cpt = t.cpt(pos, from, to);
                int contraction = contraction(t, pos, from, to, false);
                if (contraction > 0) {
                    pos = cutter.cut(pos + contraction);
                    continue;
                }
                // a leading space joins the run that follows it
                int flags = cpt == ' ' ? t.flags(pos + 1, from, to) : t.flags(pos, from, to);
                if (isLetter(flags) || isNumber(flags) || isOther(flags)) {
                    int run = flags & (UnicodeFlags.LETTER | UnicodeFlags.NUMBER);
                    if (cpt == ' ') pos++;
                    while (run != 0 ? (t.flags(pos, from, to) & run) != 0 : isOther(t.flags(pos, from, to))) pos++;
                    cutter.cut(pos);
                    continue;
                }
                pos = cutter.cut(afterWhitespace(t, pos, from, to));
            }
        }

        private static boolean isOther(int flags) {
            return flags != 0 && (flags & (UnicodeFlags.WHITESPACE | UnicodeFlags.LETTER | UnicodeFlags.NUMBER)) == 0;
        }

        /** {@code \s+(?!\S)|\s+}, or a lone code point that no alternative matches. */
        private static int afterWhitespace(Text t, int pos, int from, int to) {
            int spaces = 0;
            while (isWhitespace(t.flags(pos + spaces, from, to))) spaces++;
            if (spaces > 1 && pos + spaces < to) return pos + spaces - 1;
            return spaces > 0 ? pos + spaces : pos + 1;
        }
    }

    /**
     * Llama 3 and Qwen 2 / 3.5: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
     * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+} (llama.cpp's matcher). Qwen 2 takes digits one at a
     * time; Qwen 3.5 also counts marks ({@code \p{M}}) as part of words.
     */
    record Llama3Words(int maxDigits, boolean marksInWords) implements Rule {
        @Override
        public void split(Text t, int from, int to, IntList lengths) {
            var cutter = new Cutter(lengths, from);
            int pos = from;
            while (pos < to) {
                int cpt = t.cpt(pos, from, to);
                int flags = t.flags(pos, from, to);
                int contraction = contraction(t, pos, from, to, true);
                if (contraction > 0) {
                    pos = cutter.cut(pos + contraction);
                    continue;
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!isNewline(cpt) && !isNumber(flags) && (isWordPart(flags) || isWordPart(t.flags(pos + 1, from, to)))) {
                    pos++;
                    while (isWordPart(t.flags(pos, from, to))) pos++;
                    cutter.cut(pos);
                    continue;
                }
                // \p{N}{1,3}
                if (isNumber(flags)) {
                    int start = pos;
                    while (isNumber(t.flags(pos, from, to))) {
                        if (++pos - start >= maxDigits) {
                            cutter.cut(pos);
                            start = pos;
                        }
                    }
                    cutter.cut(pos);
                    continue;
                }
                // ' ?[^\s\p{L}\p{N}]+[\r\n]*'; llama.cpp tests the current code point's flags for being in range
                int next = cpt == ' ' ? t.flags(pos + 1, from, to) : flags;
                if (isOther(next) && flags != 0) {
                    if (cpt == ' ') pos++;
                    while (isOther(next) && next != 0) next = t.flags(++pos, from, to);
                    while (isNewline(t.cpt(pos, from, to))) pos++;
                    cutter.cut(pos);
                    continue;
                }
                pos = cutter.cut(afterWhitespace(t, pos, from, to));
            }
        }

        private boolean isWordPart(int flags) {
            return isLetter(flags) || (marksInWords && isMark(flags));
        }

        private boolean isOther(int flags) {
            int excluded = UnicodeFlags.WHITESPACE | UnicodeFlags.LETTER | UnicodeFlags.NUMBER
                    | (marksInWords ? UnicodeFlags.MARK : 0);
            return (flags & excluded) == 0;
        }

        /** {@code \s*[\r\n]+|\s+(?!\S)|\s+}, or a lone code point that no alternative matches. */
        private static int afterWhitespace(Text t, int pos, int from, int to) {
            int spaces = 0;
            int afterLastNewline = -1;
            while (isWhitespace(t.flags(pos + spaces, from, to))) {
                if (isNewline(t.cpt(pos + spaces, from, to))) afterLastNewline = pos + spaces + 1;
                spaces++;
            }
            if (afterLastNewline >= 0) return afterLastNewline;
            if (spaces > 1 && pos + spaces < to) return pos + spaces - 1;
            return spaces > 0 ? pos + spaces : pos + 1;
        }
    }

    /**
     * llama.cpp's digit grouping (afmoe, tiny_aya): each run of digits ({@code \p{N}}) is cut into groups of
     * three from the right; the text before a run stays joined to the run's first group, as in its matcher.
     */
    record GroupedDigits() implements Rule {
        @Override
        public void split(Text t, int from, int to, IntList lengths) {
            var cutter = new Cutter(lengths, from);
            int pos = from;
            while (pos < to) {
                if (!isNumber(t.flags(pos, from, to))) {
                    pos++;
                    continue;
                }
                int start = pos;
                while (isNumber(t.flags(pos, from, to))) pos++;
                int group = start + (pos - start) % 3;
                if (group > start) cutter.cut(group);
                for (; group < pos; group += 3) cutter.cut(group + 3);
            }
            cutter.cut(to);
        }
    }

    /**
     * A regex run as llama.cpp runs one through {@code std::regex}: a regex with Unicode classes is matched
     * on the {@linkplain Text#collapsed() collapsed} text with each class rewritten to its placeholder byte
     * plus its ASCII members; any other on the {@linkplain Text#wide() wide} text. Pieces between matches
     * are kept as pieces of their own.
     */
    record RegexRule(Pattern pattern, boolean collapsed) implements Rule {

        private static final String[][] CLASSES = {
                // class, placeholder, ASCII members (as llama.cpp's k_ucat_map)
                {"\\p{N}", "\u00D1", "0-9"},
                {"\\p{L}", "\u00D2", "A-Za-z"},
                {"\\p{P}", "\u00D3", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
                {"\\p{M}", "\u00D4", ""},
                {"\\p{S}", "\u00D5", "\\$\\+<=>\\^`\\|~"},
                // llama.cpp folds the letter subclasses into \p{L}, ASCII members included
                {"\\p{Lu}", "\u00D2", "A-Za-z"},
                {"\\p{Ll}", "\u00D2", "A-Za-z"},
                {"\\p{Lt}", "\u00D2", "A-Za-z"},
                {"\\p{Lm}", "\u00D2", "A-Za-z"},
                {"\\p{Lo}", "\u00D2", "A-Za-z"},
        };

        /**
         * {@code ((?=[X])([^Y]))}: one character of X that is not in Y. std::regex and java.util.regex agree on
         * it, but Java recurses once per repetition of such a group, so it is rewritten as the equivalent
         * class {@code [X&&[^Y]]}, which Java repeats in a loop.
         */
        private static final Pattern GUARDED_CHARACTER = Pattern.compile("\\(\\(\\?=\\[([^\\]]*)]\\)\\(\\[\\^([^\\]]*)]\\)\\)");

        /** Compiles one of llama.cpp's (ECMAScript) pre-tokenizer regexes. */
        static RegexRule of(String llamaRegex) {
            boolean collapsed = false;
            for (String[] c : CLASSES) collapsed |= llamaRegex.contains(c[0]);
            String java = GUARDED_CHARACTER.matcher(toJava(llamaRegex, collapsed))
                    .replaceAll(m -> Matcher.quoteReplacement("[" + m.group(1) + "&&[^" + m.group(2) + "]]"));
            return new RegexRule(Pattern.compile(java), collapsed);
        }

        static char placeholder(int category) {
            return switch (category) {
                case UnicodeFlags.NUMBER -> '\u00D1';
                case UnicodeFlags.LETTER -> '\u00D2';
                case UnicodeFlags.PUNCTUATION -> '\u00D3';
                case UnicodeFlags.MARK -> '\u00D4';
                case UnicodeFlags.SYMBOL -> '\u00D5';
                default -> '\u00D0';
            };
        }

        /**
         * Rewrites the Unicode classes as llama.cpp does for the collapsed text, and the end anchor {@code $}
         * as {@code \z} (Java's {@code $} would also match before a final line break; ECMAScript's does not).
         */
        private static String toJava(String regex, boolean collapse) {
            var out = new StringBuilder();
            boolean insideClass = false;
            for (int i = 0; i < regex.length(); i++) {
                char c = regex.charAt(i);
                boolean escaped = i > 0 && regex.charAt(i - 1) == '\\';
                if (c == '[' && !escaped) {
                    insideClass = true;
                } else if (c == ']' && insideClass && !escaped) {
                    insideClass = false;
                } else if (c == '$' && !insideClass && !escaped) {
                    out.append("\\z");
                    continue;
                } else if (collapse && regex.startsWith("\\p{", i)) {
                    String[] match = classAt(regex, i);
                    if (match != null) {
                        out.append(insideClass ? "" : "[").append(match[1]).append(match[2]).append(insideClass ? "" : "]");
                        i += match[0].length() - 1;
                        continue;
                    }
                }
                out.append(c);
            }
            return out.toString();
        }

        private static String[] classAt(String regex, int i) {
            for (String[] c : CLASSES) {
                if (regex.startsWith(c[0], i)) return c;
            }
            return null;
        }

        @Override
        public void split(Text t, int from, int to, IntList lengths) {
            String s = collapsed ? t.collapsed() : t.wide();
            Matcher m = pattern.matcher(s).region(charIndex(t, from), charIndex(t, to));
            int previousEnd = from;
            while (m.find()) {
                int start = cptIndex(t, m.start());
                int end = cptIndex(t, m.end());
                if (start > previousEnd) lengths.add(start - previousEnd);
                lengths.add(end - start);
                previousEnd = end;
            }
            if (previousEnd < to) lengths.add(to - previousEnd);
        }

        private int charIndex(Text t, int cptIndex) {
            return collapsed ? cptIndex : t.wideCharIndex[cptIndex];
        }

        private int cptIndex(Text t, int charIndex) {
            return collapsed ? charIndex : t.wideCptIndex[charIndex];
        }
    }
}
