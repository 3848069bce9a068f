package io.localgate.gateway.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Jinja's built-in filters ({@code value | name(arguments)}) plus {@code from_json}, which some templates use. */
final class Filters {

    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private Filters() {}

    static Object apply(String name, Object value, Arguments args) {
        return switch (name) {
            case "abs" -> abs(value);
            case "attr" -> Values.attribute(value, Methods.string(args.require(0, "name", name)));
            case "batch" -> batch(value, args.check(name, 2, "linecount", "fill_with"));
            case "capitalize" -> Strings.capitalize(text(value, name));
            case "center" -> Strings.center(text(value, name), (int) integer(args.get(0, "width", 80L)));
            case "count", "length" -> Values.length(value);
            case "d", "default" -> defaultValue(value, args.check(name, 2, "default_value", "boolean"));
            case "dictsort" -> dictsort(value, args.check(name, 3, "case_sensitive", "by", "reverse"));
            case "e", "escape" -> escape(text(value, name));
            case "first" -> firstOrUndefined(Values.iterate(value), value);
            case "float" -> toFloat(value, args.get(0, "default", 0.0));
            case "from_json" -> Json.parse(text(value, name));
            case "indent" -> indent(text(value, name), args.check(name, 3, "width", "first", "blank"));
            case "int" -> toInt(value, args.check(name, 2, "default", "base"));
            case "items" -> items(value);
            case "join" -> join(value, args.check(name, 2, "d", "attribute"));
            case "last" -> lastOrUndefined(Values.iterate(value), value);
            case "list" -> Values.iterate(value);
            case "lower" -> text(value, name).toLowerCase();
            case "map" -> map(value, args);
            case "max", "min" -> extreme(value, name.equals("max"), args.check(name, 2, "case_sensitive", "attribute"));
            case "reject", "select" -> select(value, args, null, name.equals("select"));
            case "rejectattr", "selectattr" -> select(value, args.drop(1),
                    Methods.string(args.require(0, "attribute", name)), name.equals("selectattr"));
            case "replace" -> Strings.replace(text(value, name), text(args.require(0, "old", name), name),
                    text(args.require(1, "new", name), name), integer(args.get(2, "count", -1L)));
            case "reverse" -> value instanceof String s ? new StringBuilder(s).reverse().toString()
                    : new ArrayList<>(Values.iterate(value).reversed());
            case "round" -> round(value, args.check(name, 2, "precision", "method"));
            case "safe" -> value;
            case "string" -> Values.toText(value);
            case "sort" -> sort(value, args.check(name, 3, "reverse", "case_sensitive", "attribute"));
            case "sum" -> sum(value, args.check(name, 2, "attribute", "start"));
            case "title" -> Strings.titleWords(text(value, name));
            case "tojson" -> toJson(value, args.check(name, 1, "indent", "ensure_ascii", "separators", "sort_keys"));
            case "trim" -> Strings.strip(text(value, name), optionalText(args.get(0, "chars", null), name), true, true);
            case "unique" -> unique(value, args.check(name, 2, "case_sensitive", "attribute"));
            case "upper" -> text(value, name).toUpperCase();
            case "wordcount" -> WORD.matcher(text(value, name)).results().count();
            default -> throw new TemplateException("No filter named '" + name + "'");
        };
    }

    /** The string a text filter works on: undefined is empty; none is refused rather than read as "None". */
    private static String text(Object value, String filter) {
        if (value == null) {
            throw new TemplateException("Cannot apply filter '" + filter + "' to none");
        }
        return Values.toText(value);
    }

    private static String optionalText(Object value, String filter) {
        return value == null ? null : text(value, filter);
    }

    private static long integer(Object value) {
        if (!Values.isIntegral(value)) {
            throw new TemplateException("Expected an integer argument, got " + Values.typeName(value));
        }
        return Values.toLong(value);
    }

    private static Object abs(Object value) {
        return switch (value) {
            case Long l -> Math.abs(l);
            case Double d -> Math.abs(d);
            case Boolean b -> Values.toLong(b);
            case null, default -> throw new TemplateException("Cannot apply filter 'abs' to " + Values.typeName(value));
        };
    }

    private static Object defaultValue(Object value, Arguments args) {
        boolean falsyToo = Values.isTrue(args.get(1, "boolean", false));
        boolean missing = value instanceof Undefined || (falsyToo && !Values.isTrue(value));
        return missing ? args.get(0, "default_value", "") : value;
    }

    private static Object firstOrUndefined(List<?> items, Object owner) {
        return items.isEmpty() ? Undefined.attribute(owner, "first") : items.getFirst();
    }

    private static Object lastOrUndefined(List<?> items, Object owner) {
        return items.isEmpty() ? Undefined.attribute(owner, "last") : items.getLast();
    }

    private static Object items(Object value) {
        return switch (value) {
            case Map<?, ?> map -> Methods.items(map);
            case Undefined u -> new ArrayList<>();
            case null, default -> throw new TemplateException("Cannot apply filter 'items' to " + Values.typeName(value));
        };
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String indent(String s, Arguments args) {
        Object width = args.get(0, "width", 4L);
        String indentation = width instanceof String w ? w : " ".repeat((int) Math.max(0, integer(width)));
        boolean first = Values.isTrue(args.get(1, "first", false));
        boolean blank = Values.isTrue(args.get(2, "blank", false));
        String[] lines = s.split("\n", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            boolean indented = (i > 0 || first) && (blank || !lines[i].isEmpty());
            out.append(i > 0 ? "\n" : "").append(indented ? indentation : "").append(lines[i]);
        }
        return out.toString();
    }

    private static Object toInt(Object value, Arguments args) {
        Object fallback = args.get(0, "default", 0L);
        return switch (value) {
            case Long l -> l;
            case Boolean b -> Values.toLong(b);
            case Double d when Double.isFinite(d) -> (long) d.doubleValue();
            case String s -> {
                String digits = s.strip().replace("_", "");
                try {
                    yield Long.parseLong(digits, (int) integer(args.get(1, "base", 10L)));
                } catch (NumberFormatException notAnInteger) {
                    Object asFloat = toFloat(s, null);
                    yield asFloat == null ? fallback : toInt(asFloat, args);
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object toFloat(Object value, Object fallback) {
        return switch (value) {
            case Long l -> l.doubleValue();
            case Double d -> d;
            case Boolean b -> Values.toDouble(b);
            case String s -> {
                try {
                    yield Double.parseDouble(s.strip());
                } catch (NumberFormatException e) {
                    yield fallback;
                }
            }
            case null, default -> fallback;
        };
    }

    private static String join(Object value, Arguments args) {
        String separator = Values.toText(args.get(0, "d", ""));
        Object attribute = args.get(1, "attribute", null);
        List<String> parts = new ArrayList<>();
        for (Object item : Values.iterate(value)) {
            parts.add(Values.toText(attribute == null ? item : path(item, attribute)));
        }
        return String.join(separator, parts);
    }

    /** {@code map(attribute='x', default=...)} or {@code map('filter', args...)}. */
    private static List<Object> map(Object value, Arguments args) {
        List<Object> mapped = new ArrayList<>();
        if (args.keywords().containsKey("attribute")) {
            args.check("map", 0, "attribute", "default");
            Object attribute = args.keywords().get("attribute");
            for (Object item : Values.iterate(value)) {
                Object found = path(item, attribute);
                mapped.add(found instanceof Undefined && args.keywords().containsKey("default")
                        ? args.keywords().get("default") : found);
            }
            return mapped;
        }
        String filter = Methods.string(args.require(0, "filter", "map"));
        for (Object item : Values.iterate(value)) {
            mapped.add(apply(filter, item, args.drop(1)));
        }
        return mapped;
    }

    /** select/reject (by a test) and selectattr/rejectattr (a test on an attribute); none selects nothing. */
    private static List<Object> select(Object value, Arguments args, String attribute, boolean keep) {
        List<Object> selected = new ArrayList<>();
        if (!Values.isTrue(value)) {
            return selected;
        }
        String test = args.size() > 0 ? Methods.string(args.positional().getFirst()) : null;
        Arguments testArguments = args.drop(1);
        for (Object item : Values.iterate(value)) {
            Object subject = attribute == null ? item : path(item, attribute);
            boolean passes = test == null ? Values.isTrue(subject) : Tests.apply(test, subject, testArguments);
            if (passes == keep) {
                selected.add(item);
            }
        }
        return selected;
    }

    private static Object extreme(Object value, boolean max, Arguments args) {
        List<Object> items = Values.iterate(value);
        if (items.isEmpty()) {
            return new Undefined("No " + (max ? "max" : "min") + " of an empty sequence");
        }
        Comparator<Object> order = sortOrder(args.get(0, "case_sensitive", false), args.get(1, "attribute", null));
        return max ? items.stream().max(order).orElseThrow() : items.stream().min(order).orElseThrow();
    }

    private static List<Object> sort(Object value, Arguments args) {
        List<Object> items = Values.iterate(value);
        Comparator<Object> order = sortOrder(args.get(1, "case_sensitive", false), args.get(2, "attribute", null));
        items.sort(Values.isTrue(args.get(0, "reverse", false)) ? order.reversed() : order);
        return items;
    }

    private static List<Object> unique(Object value, Arguments args) {
        boolean caseSensitive = Values.isTrue(args.get(0, "case_sensitive", false));
        Object attribute = args.get(1, "attribute", null);
        List<Object> seen = new ArrayList<>();
        List<Object> unique = new ArrayList<>();
        for (Object item : Values.iterate(value)) {
            Object key = sortKey(attribute == null ? item : path(item, attribute), caseSensitive);
            if (seen.stream().noneMatch(other -> Values.equal(other, key))) {
                seen.add(key);
                unique.add(item);
            }
        }
        return unique;
    }

    private static List<Object> dictsort(Object value, Arguments args) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new TemplateException("Cannot apply filter 'dictsort' to " + Values.typeName(value));
        }
        boolean caseSensitive = Values.isTrue(args.get(0, "case_sensitive", false));
        Object by = args.get(1, "by", "key");
        if (!"key".equals(by) && !"value".equals(by)) {
            throw new TemplateException("dictsort: 'by' must be 'key' or 'value'");
        }
        int position = "key".equals(by) ? 0 : 1;
        Comparator<Object> order = Comparator.comparing(
                pair -> sortKey(((List<?>) pair).get(position), caseSensitive), Values::compare);
        List<Object> pairs = Methods.items(map);
        pairs.sort(Values.isTrue(args.get(2, "reverse", false)) ? order.reversed() : order);
        return pairs;
    }

    private static Comparator<Object> sortOrder(Object caseSensitive, Object attribute) {
        boolean sensitive = Values.isTrue(caseSensitive);
        return Comparator.comparing(item -> sortKey(attribute == null ? item : path(item, attribute), sensitive),
                Values::compare);
    }

    private static Object sortKey(Object value, boolean caseSensitive) {
        return !caseSensitive && value instanceof String s ? s.toLowerCase() : value;
    }

    private static Object sum(Object value, Arguments args) {
        Object attribute = args.get(0, "attribute", null);
        Object total = args.get(1, "start", 0L);
        for (Object item : Values.iterate(value)) {
            total = Operators.binary(Node.BinaryOperator.ADD, total, attribute == null ? item : path(item, attribute));
        }
        return total;
    }

    private static List<Object> batch(Object value, Arguments args) {
        long size = integer(args.require(0, "linecount", "batch"));
        if (size <= 0) {
            throw new TemplateException("batch: linecount must be positive");
        }
        boolean fill = args.has(1, "fill_with");
        List<Object> batches = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : Values.iterate(value)) {
            current.add(item);
            if (current.size() == size) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (fill && current.size() < size) {
                current.add(args.get(1, "fill_with", null));
            }
            batches.add(current);
        }
        return batches;
    }

    private static Object round(Object value, Arguments args) {
        if (!Values.isNumber(value)) {
            throw new TemplateException("Cannot apply filter 'round' to " + Values.typeName(value));
        }
        int precision = (int) integer(args.get(0, "precision", 0L));
        RoundingMode mode = switch (String.valueOf(args.get(1, "method", "common"))) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new TemplateException("round: method must be 'common', 'ceil' or 'floor'");
        };
        double number = Values.toDouble(value);
        if (!Double.isFinite(number)) {
            return number;
        }
        return new BigDecimal(number).setScale(precision, mode).doubleValue();
    }

    private static String toJson(Object value, Arguments args) {
        Object indent = args.get(0, "indent", null);
        Object separators = args.keywords().get("separators");
        if (indent != null && !(indent instanceof Long)) {
            throw new TemplateException("tojson: indent must be an integer");
        }
        if (separators != null && !(separators instanceof List<?> pair && pair.size() == 2
                && pair.stream().allMatch(String.class::isInstance))) {
            throw new TemplateException("tojson: separators must be a pair of strings");
        }
        return Json.write(value, Json.Style.of((Long) indent, (List<?>) separators,
                Values.isTrue(args.keywords().get("ensure_ascii")), Values.isTrue(args.keywords().get("sort_keys"))));
    }

    /** A dotted attribute path such as {@code "function.name"}; numeric parts index lists. */
    private static Object path(Object item, Object attribute) {
        if (Values.isIntegral(attribute)) {
            return Values.item(item, attribute);
        }
        Object current = item;
        for (String part : Methods.string(attribute).split("\\.")) {
            if (current instanceof Undefined) {
                break;
            }
            boolean index = !part.isEmpty() && part.chars().allMatch(Character::isDigit);
            current = Values.item(current, index ? (Object) Long.parseLong(part) : part);
        }
        return current;
    }
}
