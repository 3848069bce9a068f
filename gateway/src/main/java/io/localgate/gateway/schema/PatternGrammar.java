package io.localgate.gateway.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON string whose content matches a regular expression, as a GBNF rule body, for the subset of
 * ECMAScript regular expressions that maps onto a grammar: a pattern anchored with {@code ^} and {@code $};
 * literals and escaped characters, {@code .}, classes ({@code [a-z]}, {@code [^...]}, {@code \d \w \s} and
 * their negations), groups ({@code (...)}, {@code (?:...)}), alternation and the greedy quantifiers
 * {@code * + ? {n} {n,} {n,m}}. Anything else (lookaround, backreferences, lazy quantifiers, an unanchored
 * pattern) is an {@link UnsupportedSchemaException} for {@code pattern}.
 *
 * <p>Matched characters that JSON must escape ({@code "}, {@code \}, control characters) are emitted
 * escaped when they are literals, and left out of classes and {@code .}: the output is always valid JSON.
 */
final class PatternGrammar {

    private static final int MAX_CODE_POINT = 0x10FFFF;
    /** Code points a JSON string cannot hold raw. */
    private static final List<int[]> UNSAFE = List.of(new int[] {0x00, 0x1F}, new int[] {'"', '"'}, new int[] {'\\', '\\'}, new int[] {0x7F, 0x7F});

    private final String pattern;
    private final String path;
    private final int[] chars;
    private int pos;

    PatternGrammar(String pattern, String path) {
        this.pattern = pattern;
        this.path = path;
        this.chars = pattern.codePoints().toArray();
    }

    String toGbnf() {
        if (chars.length < 2 || chars[0] != '^' || chars[chars.length - 1] != '$' || (chars.length >= 3 && chars[chars.length - 2] == '\\')) {
            throw unsupported("only patterns anchored at both ends (^...$) are supported");
        }
        pos = 1;
        String body = alternation(chars.length - 1);
        if (pos != chars.length - 1) throw unsupported("unexpected '" + Character.toString(chars[pos]) + "' at " + pos);
        return "\"\\\"\" " + body + " \"\\\"\"";
    }

    private String alternation(int end) {
        var alternatives = new ArrayList<String>();
        alternatives.add(sequence(end));
        while (pos < end && chars[pos] == '|') {
            pos++;
            alternatives.add(sequence(end));
        }
        return alternatives.size() == 1 ? alternatives.getFirst() : "(" + String.join(" | ", alternatives) + ")";
    }

    private String sequence(int end) {
        var items = new ArrayList<String>();
        while (pos < end && chars[pos] != '|' && chars[pos] != ')') {
            String atom = atom(end);
            items.add(atom + quantifier(end));
        }
        return items.isEmpty() ? "\"\"" : "(" + String.join(" ", items) + ")";
    }

    private String atom(int end) {
        int c = chars[pos++];
        switch (c) {
            case '(' -> {
                if (pos + 1 < end && chars[pos] == '?') {
                    if (chars[pos + 1] != ':') throw unsupported("lookaround and named groups are not supported");
                    pos += 2;
                }
                String inner = alternation(end);
                if (pos >= end || chars[pos] != ')') throw unsupported("unclosed group");
                pos++;
                return "(" + inner + ")";
            }
            case '[' -> {
                return charClass(end);
            }
            case '.' -> {
                return classOf(complement(List.of(new int[] {'\n', '\n'}, new int[] {'\r', '\r'})));
            }
            case '\\' -> {
                if (pos >= end) throw unsupported("a pattern cannot end with a backslash");
                int e = chars[pos++];
                List<int[]> shorthand = shorthand(e);
                if (shorthand != null) return classOf(shorthand);
                return literalChar(escaped(e));
            }
            case '^', '$' -> throw unsupported("anchors are supported only at the ends");
            case '*', '+', '?', '{' -> throw unsupported("a quantifier with nothing before it at " + (pos - 1));
            default -> {
                return literalChar(c);
            }
        }
    }

    private String quantifier(int end) {
        if (pos >= end) return "";
        int c = chars[pos];
        String quantifier;
        switch (c) {
            case '*', '+', '?' -> {
                pos++;
                quantifier = Character.toString(c);
            }
            case '{' -> {
                int close = pos;
                while (close < end && chars[close] != '}') close++;
                if (close >= end) throw unsupported("unclosed {");
                String bounds = new String(chars, pos + 1, close - pos - 1);
                if (!bounds.matches("\\d+(,\\d*)?")) throw unsupported("malformed repetition {" + bounds + "}");
                String[] parts = bounds.split(",", -1);
                int min = Integer.parseInt(parts[0]);
                if (parts.length == 2 && !parts[1].isEmpty() && Integer.parseInt(parts[1]) < min) {
                    throw unsupported("repetition {" + bounds + "} has its maximum below its minimum");
                }
                pos = close + 1;
                quantifier = "{" + bounds + "}";
            }
            default -> {
                return "";
            }
        }
        if (pos < end && (chars[pos] == '?' || chars[pos] == '+')) throw unsupported("lazy and possessive quantifiers are not supported");
        return quantifier;
    }

    private String charClass(int end) {
        boolean negated = pos < end && chars[pos] == '^';
        if (negated) pos++;
        var ranges = new ArrayList<int[]>();
        boolean first = true;
        while (pos < end && (chars[pos] != ']' || first)) {
            first = false;
            int lo = chars[pos++];
            if (lo == '\\') {
                if (pos >= end) throw unsupported("unclosed character class");
                int e = chars[pos++];
                List<int[]> shorthand = shorthand(e);
                if (shorthand != null) {
                    ranges.addAll(shorthand);
                    continue;
                }
                lo = escaped(e);
            }
            int hi = lo;
            if (pos + 1 < end && chars[pos] == '-' && chars[pos + 1] != ']') {
                pos++;
                hi = chars[pos++];
                if (hi == '\\') {
                    if (pos >= end) throw unsupported("unclosed character class");
                    hi = escaped(chars[pos++]);
                }
                if (hi < lo) throw unsupported("character range out of order");
            }
            ranges.add(new int[] {lo, hi});
        }
        if (pos >= end) throw unsupported("unclosed character class");
        pos++;
        return classOf(negated ? complement(ranges) : ranges);
    }

    private static List<int[]> shorthand(int c) {
        return switch (c) {
            case 'd' -> List.of(new int[] {'0', '9'});
            case 'w' -> List.of(new int[] {'0', '9'}, new int[] {'A', 'Z'}, new int[] {'_', '_'}, new int[] {'a', 'z'});
            case 's' -> List.of(new int[] {' ', ' '}, new int[] {'\t', '\r'});
            case 'D' -> complement(List.of(new int[] {'0', '9'}));
            case 'W' -> complement(List.of(new int[] {'0', '9'}, new int[] {'A', 'Z'}, new int[] {'_', '_'}, new int[] {'a', 'z'}));
            case 'S' -> complement(List.of(new int[] {' ', ' '}, new int[] {'\t', '\r'}));
            default -> null;
        };
    }

    private int escaped(int c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'f' -> '\f';
            case 'v' -> 0x0B;
            case 'b', 'B' -> throw unsupported("word boundaries are not supported");
            default -> {
                if (Character.isLetterOrDigit(c)) throw unsupported("the escape \\" + Character.toString(c) + " is not supported");
                yield c;
            }
        };
    }

    /** A literal character as it appears inside a JSON string (escaped where JSON needs it). */
    private static String literalChar(int c) {
        String json = switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> c < 0x20 || c == 0x7F ? String.format("\\u%04x", c) : Character.toString(c);
        };
        return SchemaConverter.literal(json);
    }

    /** The ranges as a GBNF class, without the code points a JSON string cannot hold raw. */
    private String classOf(List<int[]> ranges) {
        var safe = subtract(ranges, UNSAFE);
        if (safe.isEmpty()) throw unsupported("a character class that only holds characters JSON must escape");
        var out = new StringBuilder("[");
        for (int[] range : safe) {
            out.append(classChar(range[0]));
            if (range[1] != range[0]) out.append('-').append(classChar(range[1]));
        }
        return out.append(']').toString();
    }

    /** One code point as written inside a GBNF character class. */
    static String classChar(int c) {
        if (Character.isLetterOrDigit(c) && c < 0x80) return Character.toString(c);
        if (c <= 0xFF) return String.format("\\x%02X", c);
        if (c <= 0xFFFF) return String.format("\\u%04X", c);
        return String.format("\\U%08X", c);
    }

    private static List<int[]> normalise(List<int[]> ranges) {
        var sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        var merged = new ArrayList<int[]>();
        for (int[] r : sorted) {
            if (!merged.isEmpty() && r[0] <= merged.getLast()[1] + 1) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], r[1]);
            } else {
                merged.add(new int[] {r[0], r[1]});
            }
        }
        return merged;
    }

    private static List<int[]> complement(List<int[]> ranges) {
        var result = new ArrayList<int[]>();
        int next = 0;
        for (int[] r : normalise(ranges)) {
            if (r[0] > next) result.add(new int[] {next, r[0] - 1});
            next = r[1] + 1;
        }
        if (next <= MAX_CODE_POINT) result.add(new int[] {next, MAX_CODE_POINT});
        return result;
    }

    private static List<int[]> subtract(List<int[]> ranges, List<int[]> removed) {
        var outside = new ArrayList<>(complement(ranges));
        outside.addAll(removed);
        return complement(outside);
    }

    private UnsupportedSchemaException unsupported(String why) {
        return new UnsupportedSchemaException("pattern", path, "pattern " + pattern + ": " + why);
    }
}
