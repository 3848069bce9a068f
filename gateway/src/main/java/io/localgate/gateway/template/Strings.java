package io.localgate.gateway.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Python's string operations that templates call, as methods ({@code s.split()}) or filters. */
final class Strings {

    private Strings() {}

    /** {@code str.strip/lstrip/rstrip(chars)}: whitespace when {@code chars} is null. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && isStripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && isStripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isStripped(char c, String chars) {
        return chars == null ? Lexer.isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    /** {@code str.split(sep, maxsplit)}: runs of whitespace when {@code separator} is null. */
    static List<Object> split(String s, String separator, long maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && Lexer.isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() >= maxSplit) {
                    parts.add(s.substring(i));
                    return parts;
                }
                int end = i;
                while (end < s.length() && !Lexer.isWhitespace(s.charAt(end))) {
                    end++;
                }
                parts.add(s.substring(i, end));
                i = end;
            }
        }
        requireSeparator(separator);
        int start = 0;
        for (int found = s.indexOf(separator); found >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
                found = s.indexOf(separator, start)) {
            parts.add(s.substring(start, found));
            start = found + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** {@code str.rsplit(sep, maxsplit)}: like split, counting splits from the right. */
    static List<Object> rsplit(String s, String separator, long maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (separator == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && Lexer.isWhitespace(s.charAt(i - 1))) {
                    i--;
                }
                if (i <= 0) {
                    break;
                }
                if (maxSplit >= 0 && parts.size() >= maxSplit) {
                    parts.add(s.substring(0, i));
                    break;
                }
                int start = i;
                while (start > 0 && !Lexer.isWhitespace(s.charAt(start - 1))) {
                    start--;
                }
                parts.add(s.substring(start, i));
                i = start;
            }
        } else {
            requireSeparator(separator);
            int end = s.length();
            for (int found = s.lastIndexOf(separator, end - separator.length());
                    found >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
                    found = s.lastIndexOf(separator, end - separator.length())) {
                parts.add(s.substring(found + separator.length(), end));
                end = found;
            }
            parts.add(s.substring(0, end));
        }
        Collections.reverse(parts);
        return parts;
    }

    private static void requireSeparator(String separator) {
        if (separator.isEmpty()) {
            throw new TemplateException("Empty separator");
        }
    }

    /** {@code str.replace(old, new, count)}; a negative count replaces all. */
    static String replace(String s, String target, String replacement, long count) {
        if (count < 0) {
            return s.replace(target, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (long done = 0; done < count; done++) {
            int found = s.indexOf(target, start);
            if (found < 0) {
                break;
            }
            out.append(s, start, found).append(replacement);
            start = found + target.length();
            if (target.isEmpty()) {
                if (start >= s.length()) {
                    return out.append(s.substring(start)).toString();
                }
                out.append(s.charAt(start++));
            }
        }
        return out.append(s.substring(start)).toString();
    }

    /** Python's {@code str.title()}: a letter after a non-letter is upper case, other letters lower. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** Jinja's {@code title} filter: words start after whitespace, dashes and opening brackets. */
    static String titleWords(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean wordStart = true;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            boolean delimiter = Lexer.isWhitespace(c) || "-({[<".indexOf(c) >= 0;
            out.appendCodePoint(delimiter ? c : wordStart ? Character.toUpperCase(c) : Character.toLowerCase(c));
            wordStart = delimiter;
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** Python's {@code str.capitalize()}: first character upper case, the rest lower. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(first)) + s.substring(Character.charCount(first)).toLowerCase();
    }

    /** Python's {@code str.center(width)}, including where it puts the odd space. */
    static String center(String s, int width) {
        int length = s.codePointCount(0, s.length());
        if (width <= length) {
            return s;
        }
        int margin = width - length;
        int left = margin / 2 + (margin & width & 1);
        return " ".repeat(left) + s + " ".repeat(margin - left);
    }

    /** {@code str.format(*args, **kwargs)} with {@code {}}, {@code {0}} and {@code {name}} fields. */
    static String format(String pattern, Arguments arguments) {
        StringBuilder out = new StringBuilder();
        int nextIndex = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < pattern.length() && pattern.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int close = pattern.indexOf('}', i);
                if (close < 0) {
                    throw new TemplateException("Single '{' encountered in format string");
                }
                String field = pattern.substring(i + 1, close);
                Object value;
                if (field.isEmpty()) {
                    value = argument(arguments, nextIndex++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    value = argument(arguments, Integer.parseInt(field));
                } else if (arguments.keywords().containsKey(field)) {
                    value = arguments.keywords().get(field);
                } else {
                    throw new TemplateException("Unsupported or missing format field '{" + field + "}'");
                }
                out.append(Values.toText(value));
                i = close;
            } else if (c == '}') {
                throw new TemplateException("Single '}' encountered in format string");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object argument(Arguments arguments, int index) {
        if (index >= arguments.size()) {
            throw new TemplateException("Replacement index " + index + " out of range for format()");
        }
        return arguments.positional().get(index);
    }
}
