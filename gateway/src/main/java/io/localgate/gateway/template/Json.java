package io.localgate.gateway.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as chat templates expect it: Python's {@code json.dumps} format (separators {@code ", "} and
 * {@code ": "}, or {@code ","} between items when indenting; key order kept; non-ASCII kept unless
 * asked), which is what both transformers' {@code tojson} and the reference renders produce. Also a
 * small reader for the {@code from_json} filter.
 */
final class Json {

    /** How to write: indent below 0 means one line. */
    record Style(int indent, String itemSeparator, String keySeparator, boolean ensureAscii, boolean sortKeys) {

        static final Style DEFAULT = new Style(-1, ", ", ": ", false, false);

        /** Python's defaults for {@code json.dumps(indent=..., separators=...)}; nulls mean "not given". */
        static Style of(Long indent, List<?> separators, boolean ensureAscii, boolean sortKeys) {
            int spaces = indent == null ? -1 : (int) Math.max(0, indent);
            String itemSeparator = separators != null ? (String) separators.get(0) : spaces >= 0 ? "," : ", ";
            String keySeparator = separators != null ? (String) separators.get(1) : ": ";
            return new Style(spaces, itemSeparator, keySeparator, ensureAscii, sortKeys);
        }
    }

    private Json() {}

    static String write(Object value, Style style) {
        StringBuilder out = new StringBuilder();
        write(value, style, 0, out);
        return out.toString();
    }

    private static void write(Object value, Style style, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Undefined u -> out.append("null");
            case Boolean b -> out.append(b);
            case Long l -> out.append(l);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d)
                    ? (d > 0 ? "Infinity" : "-Infinity") : Values.formatFloat(d));
            case String s -> writeString(s, style.ensureAscii(), out);
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(i == 0 ? "" : style.itemSeparator());
                    newline(style, depth + 1, out);
                    write(list.get(i), style, depth + 1, out);
                }
                if (!list.isEmpty()) {
                    newline(style, depth, out);
                }
                out.append(']');
            }
            case Map<?, ?> map -> writeObject(map, style, depth, out);
            case Namespace namespace -> writeObject(namespace.attributes(), style, depth, out);
            default -> throw new TemplateException("Object of type " + Values.typeName(value)
                    + " is not JSON serializable");
        }
    }

    private static void writeObject(Map<?, ?> map, Style style, int depth, StringBuilder out) {
        List<Object> keys = new ArrayList<>(map.keySet());
        if (style.sortKeys()) {
            keys.sort(Comparator.comparing(Json::keyText));
        }
        out.append('{');
        for (int i = 0; i < keys.size(); i++) {
            out.append(i == 0 ? "" : style.itemSeparator());
            newline(style, depth + 1, out);
            writeString(keyText(keys.get(i)), style.ensureAscii(), out);
            out.append(style.keySeparator());
            write(map.get(keys.get(i)), style, depth + 1, out);
        }
        if (!keys.isEmpty()) {
            newline(style, depth, out);
        }
        out.append('}');
    }

    /** Python turns non-string keys into their JSON text: {@code 1 -> "1"}, {@code true -> "true"}. */
    private static String keyText(Object key) {
        return key instanceof String s ? s : write(key, Style.DEFAULT);
    }

    private static void newline(Style style, int depth, StringBuilder out) {
        if (style.indent() >= 0) {
            out.append('\n').append(" ".repeat(style.indent() * depth));
        }
    }

    private static void writeString(String s, boolean ensureAscii, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---- reading ----

    /** Parses JSON text into template values: objects keep key order, integers become longs. */
    static Object parse(String text) {
        Reader reader = new Reader(text);
        Object value = reader.value();
        reader.skipWhitespace();
        if (reader.pos < text.length()) {
            throw reader.error("unexpected trailing text");
        }
        return value;
    }

    private static final class Reader {
        private final String text;
        private int pos;

        Reader(String text) {
            this.text = text;
        }

        Object value() {
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unexpected end of input");
            }
            char c = text.charAt(pos);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        private Map<Object, Object> object() {
            Map<Object, Object> map = new LinkedHashMap<>();
            pos++;
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                skipWhitespace();
                expect(':');
                map.put(key, value());
                skipWhitespace();
                if (peek() == ',') {
                    pos++;
                } else {
                    expect('}');
                    return map;
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            pos++;
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipWhitespace();
                if (peek() == ',') {
                    pos++;
                } else {
                    expect(']');
                    return list;
                }
            }
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escaped = pos < text.length() ? text.charAt(pos++) : 0;
                switch (escaped) {
                    case '"', '\\', '/' -> out.append(escaped);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException e) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        private Object number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            boolean integral = true;
            while (pos < text.length() && "0123456789.eE+-".indexOf(text.charAt(pos)) >= 0) {
                integral &= Character.isDigit(text.charAt(pos));
                pos++;
            }
            String number = text.substring(start, pos);
            try {
                if (integral) {
                    try {
                        return Long.parseLong(number);
                    } catch (NumberFormatException tooLarge) {
                        return Double.parseDouble(number);
                    }
                }
                return Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw error("bad number '" + number + "'");
            }
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, pos)) {
                throw error("unexpected character '" + text.charAt(pos) + "'");
            }
            pos += word.length();
            return value;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        void skipWhitespace() {
            while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
        }

        TemplateException error(String problem) {
            return new TemplateException("Invalid JSON at position " + pos + ": " + problem);
        }
    }
}
