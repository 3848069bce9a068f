package io.localgate.gateway.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The template value model and its Python-like rules: truthiness, equality, ordering, text
 * conversion, attribute and item access.
 *
 * <p>Values are {@code null} (None), {@link Undefined}, {@link Boolean}, {@link Long}, {@link Double},
 * {@link String}, {@link List} (mutable; {@link Tuple} is the immutable kind), {@link Map} (insertion
 * ordered), {@link Namespace} and {@link TemplateFunction}.
 *
 * <p>Semantics are Python's, as transformers runs chat templates, except where the reference renders
 * (@huggingface/jinja) pin a different result: none prints as empty text, and attribute access on an
 * undefined value gives undefined instead of failing.
 */
final class Values {

    /** Deeper input than this is refused rather than risking a stack overflow. */
    private static final int MAX_INPUT_DEPTH = 256;

    private Values() {}

    // ---- conversion of the caller's variables ----

    /** A deep copy of a plain Java value into the template value model. */
    static Object fromJava(Object value) {
        return fromJava(value, 0);
    }

    private static Object fromJava(Object value, int depth) {
        if (depth > MAX_INPUT_DEPTH) {
            throw new TemplateException("Variables are nested more than " + MAX_INPUT_DEPTH + " levels deep");
        }
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger i when i.bitLength() < Long.SIZE -> i.longValue();
            case BigInteger i -> i.doubleValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case Character c -> c.toString();
            case Map<?, ?> map -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(fromJava(k, depth + 1), fromJava(v, depth + 1)));
                yield copy;
            }
            case Collection<?> items -> {
                List<Object> copy = new ArrayList<>(items.size());
                items.forEach(item -> copy.add(fromJava(item, depth + 1)));
                yield copy;
            }
            case Object[] items -> fromJava(List.of(items), depth);
            default -> throw new TemplateException("Unsupported variable type " + value.getClass().getName());
        };
    }

    // ---- truthiness, text, names ----

    static boolean isTrue(Object value) {
        return switch (value) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    /**
     * Python's {@code str(value)}, which {@code {{ value }}}, {@code ~} and {@code |string} write, except
     * that none is empty text: the reference renders print nothing for it where Python prints "None".
     */
    static String toText(Object value) {
        return switch (value) {
            case null -> "";
            case Undefined u -> "";
            case String s -> s;
            default -> repr(value);
        };
    }

    /** Python's {@code repr(value)}: how lists and dicts print their items, and how errors quote values. */
    static String repr(Object value) {
        return switch (value) {
            case null -> "None";
            case Undefined u -> "Undefined";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> formatFloat(d);
            case String s -> quote(s);
            case Tuple t -> t.size() == 1 ? "(" + repr(t.getFirst()) + ",)" : join(t, "(", ")");
            case List<?> l -> join(l, "[", "]");
            case Map<?, ?> m -> {
                StringJoiner entries = new StringJoiner(", ", "{", "}");
                m.forEach((k, v) -> entries.add(repr(k) + ": " + repr(v)));
                yield entries.toString();
            }
            case Namespace n -> "<Namespace " + repr(n.attributes()) + ">";
            default -> "<" + typeName(value) + ">";
        };
    }

    private static String join(List<?> items, String open, String close) {
        StringJoiner joined = new StringJoiner(", ", open, close);
        items.forEach(item -> joined.add(repr(item)));
        return joined.toString();
    }

    /** A Python string literal: single quotes unless the text has one and no double quote. */
    private static String quote(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append(quote);
                    } else if (isPrintable(c)) {
                        out.appendCodePoint(c);
                    } else {
                        out.append(c <= 0xff ? String.format("\\x%02x", c)
                                : c <= 0xffff ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
                    }
                }
            }
        });
        return out.append(quote).toString();
    }

    /** Python's {@code str.isprintable} for one character: no controls, format characters or separators but space. */
    private static boolean isPrintable(int c) {
        if (c == ' ') {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's type name, for error messages. */
    static String typeName(Object value) {
        return switch (value) {
            case null -> "none";
            case Undefined u -> "undefined";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "namespace";
            case TemplateFunction f -> "function";
            default -> value.getClass().getSimpleName();
        };
    }

    /** Python's {@code repr} of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
    static String formatFloat(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0.0" : "0.0";
        }
        BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        String digits = decimal.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - decimal.scale();
        String sign = value < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = decimal.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    // ---- numbers ----

    static boolean isNumber(Object value) {
        return value instanceof Long || value instanceof Double || value instanceof Boolean;
    }

    static boolean isIntegral(Object value) {
        return value instanceof Long || value instanceof Boolean;
    }

    static long toLong(Object value) {
        return value instanceof Boolean b ? (b ? 1 : 0) : ((Number) value).longValue();
    }

    static double toDouble(Object value) {
        return value instanceof Boolean b ? (b ? 1 : 0) : ((Number) value).doubleValue();
    }

    // ---- equality and ordering ----

    /** Python's {@code ==}: numbers by value ({@code 1 == 1.0 == true}), lists and dicts deeply. */
    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return a instanceof Double || b instanceof Double ? toDouble(a) == toDouble(b) : toLong(a) == toLong(b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> entry : x.entrySet()) {
                if (!y.containsKey(entry.getKey()) || !equal(entry.getValue(), y.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering: numbers, strings (by code point), lists element-wise; anything else is an error. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return a instanceof Double || b instanceof Double
                    ? Double.compare(toDouble(a), toDouble(b)) : Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                int order = compare(x.get(i), y.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("Cannot compare " + typeName(a) + " with " + typeName(b));
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    // ---- collections ----

    /** The items a {@code for} loop or a filter walks: a copy, so the body may change the original. */
    static List<Object> iterate(Object value) {
        return switch (value) {
            case List<?> list -> new ArrayList<>(list);
            case Map<?, ?> map -> new ArrayList<>(map.keySet());
            case String s -> new ArrayList<>(codePoints(s));
            case Undefined u -> new ArrayList<>();
            case null, default -> throw new TemplateException("Cannot iterate over " + typeName(value));
        };
    }

    static List<String> codePoints(String s) {
        return s.codePoints().mapToObj(Character::toString).toList();
    }

    static long length(Object value) {
        return switch (value) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw new TemplateException("Cannot take the length of " + typeName(value));
        };
    }

    /** {@code item in container}. Nothing is in an undefined container; none is not a container. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s when item instanceof String part -> s.contains(part);
            case String s -> throw new TemplateException("'in <string>' needs a string on the left, not "
                    + typeName(item));
            case List<?> list -> list.stream().anyMatch(element -> equal(element, item));
            case Map<?, ?> map -> map.containsKey(item);
            case Undefined u -> false;
            case null, default -> throw new TemplateException("Cannot test membership in " + typeName(container));
        };
    }

    // ---- access ----

    /**
     * {@code owner.name}: a dict key first (so a JSON schema's {@code items} key is found), then a
     * method such as {@code items()}; anything missing is undefined.
     */
    static Object attribute(Object owner, String name) {
        return switch (owner) {
            case Map<?, ?> map when map.containsKey(name) -> map.get(name);
            case Namespace namespace -> namespace.get(name);
            case Undefined undefined -> undefined;
            case null, default -> {
                TemplateFunction method = Methods.find(owner, name);
                yield method != null ? method : Undefined.attribute(owner, name);
            }
        };
    }

    /** {@code owner[key]}: dict lookup, or a (possibly negative) index into a list or string. */
    static Object item(Object owner, Object key) {
        if (key instanceof String name) {
            return owner instanceof Map<?, ?> map && map.containsKey(name) ? map.get(name) : attribute(owner, name);
        }
        return switch (owner) {
            case Map<?, ?> map -> map.containsKey(key) ? map.get(key) : Undefined.attribute(owner, key);
            case List<?> list when isIntegral(key) -> {
                long index = toLong(key) < 0 ? toLong(key) + list.size() : toLong(key);
                yield index >= 0 && index < list.size() ? list.get((int) index) : Undefined.attribute(owner, key);
            }
            case String s when isIntegral(key) -> {
                List<String> chars = codePoints(s);
                long index = toLong(key) < 0 ? toLong(key) + chars.size() : toLong(key);
                yield index >= 0 && index < chars.size() ? chars.get((int) index) : Undefined.attribute(owner, key);
            }
            case Undefined undefined -> throw new TemplateException(
                    "Cannot take item " + repr(key) + ": " + undefined.description());
            case null, default -> throw new TemplateException("Cannot take item " + repr(key) + " of " + typeName(owner));
        };
    }

    /** Python slicing {@code owner[start:stop:step]} of a list or string; null bounds are open. */
    static Object slice(Object owner, Long start, Long stop, Long step) {
        List<?> items = switch (owner) {
            case List<?> list -> list;
            case String s -> codePoints(s);
            case null, default -> throw new TemplateException("Cannot slice " + typeName(owner));
        };
        long by = step == null ? 1 : step;
        if (by == 0) {
            throw new TemplateException("Slice step cannot be zero");
        }
        int size = items.size();
        List<Object> result = new ArrayList<>();
        if (by > 0) {
            long from = clampSliceBound(start, 0, size, 0, size);
            long to = clampSliceBound(stop, size, size, 0, size);
            for (long i = from; i < to; i += by) {
                result.add(items.get((int) i));
            }
        } else {
            long from = clampSliceBound(start, size - 1, size, -1, size - 1);
            long to = clampSliceBound(stop, -1, size, -1, size - 1);
            for (long i = from; i > to; i += by) {
                result.add(items.get((int) i));
            }
        }
        return owner instanceof String ? String.join("", result.stream().map(String.class::cast).toList()) : result;
    }

    private static long clampSliceBound(Long bound, long absent, int size, long min, long max) {
        if (bound == null) {
            return absent;
        }
        long value = bound < 0 ? bound + size : bound;
        return Math.max(min, Math.min(max, value));
    }
}
