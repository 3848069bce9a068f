package io.localgate.gateway.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Python methods on strings, dicts and lists that templates call, e.g. {@code content.split('</think>')}. */
final class Methods {

    private Methods() {}

    /** The method {@code name} bound to {@code receiver}, or null when it has none. */
    static TemplateFunction find(Object receiver, String name) {
        return switch (receiver) {
            case String s -> stringMethod(s, name);
            case Map<?, ?> map -> dictMethod(map, name);
            case List<?> list -> listMethod(list, name);
            case null, default -> null;
        };
    }

    private static TemplateFunction stringMethod(String s, String name) {
        return switch (name) {
            case "upper" -> args -> s.toUpperCase();
            case "lower" -> args -> s.toLowerCase();
            case "title" -> args -> Strings.title(s);
            case "capitalize" -> args -> Strings.capitalize(s);
            case "strip" -> args -> Strings.strip(s, optionalString(args, 0, "chars"), true, true);
            case "lstrip" -> args -> Strings.strip(s, optionalString(args, 0, "chars"), true, false);
            case "rstrip" -> args -> Strings.strip(s, optionalString(args, 0, "chars"), false, true);
            case "startswith" -> args -> matchesAny(args.require(0, "prefix", name), s::startsWith);
            case "endswith" -> args -> matchesAny(args.require(0, "suffix", name), s::endsWith);
            case "split" -> args -> Strings.split(s, optionalString(args, 0, "sep"), maxSplit(args));
            case "rsplit" -> args -> Strings.rsplit(s, optionalString(args, 0, "sep"), maxSplit(args));
            case "replace" -> args -> Strings.replace(s, string(args.require(0, "old", name)),
                    string(args.require(1, "new", name)), Values.toLong(args.get(2, "count", -1L)));
            case "find" -> args -> (long) codePointIndex(s, s.indexOf(string(args.require(0, "sub", name))));
            case "count" -> args -> countOccurrences(s, string(args.require(0, "sub", name)));
            case "format" -> args -> Strings.format(s, args);
            case "join" -> args -> String.join(s, Values.iterate(args.require(0, "iterable", name)).stream()
                    .map(Methods::string).toList());
            default -> null;
        };
    }

    private static TemplateFunction dictMethod(Map<?, ?> map, String name) {
        return switch (name) {
            case "items" -> args -> items(map);
            case "keys" -> args -> new ArrayList<>(map.keySet());
            case "values" -> args -> new ArrayList<>(map.values());
            case "get" -> args -> {
                Object key = args.require(0, "key", name);
                return map.containsKey(key) ? map.get(key) : args.get(1, "default", null);
            };
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    private static TemplateFunction listMethod(List<?> receiver, String name) {
        List<Object> list = (List<Object>) receiver;
        return switch (name) {
            case "append" -> args -> {
                Object item = args.require(0, "object", name);
                change(() -> list.add(item));
                return null;
            };
            case "extend" -> args -> {
                List<Object> items = Values.iterate(args.require(0, "iterable", name));
                change(() -> list.addAll(items));
                return null;
            };
            case "pop" -> args -> {
                if (list.isEmpty()) {
                    throw new TemplateException("pop from empty list");
                }
                long index = Values.toLong(args.get(0, "index", -1L));
                long position = index < 0 ? index + list.size() : index;
                if (position < 0 || position >= list.size()) {
                    throw new TemplateException("pop index out of range");
                }
                return change(() -> list.remove((int) position));
            };
            case "index" -> args -> {
                Object wanted = args.require(0, "value", name);
                for (int i = 0; i < list.size(); i++) {
                    if (Values.equal(list.get(i), wanted)) {
                        return (long) i;
                    }
                }
                throw new TemplateException(Values.repr(wanted) + " is not in list");
            };
            case "count" -> args -> list.stream().filter(item -> Values.equal(item, args.get(0, "value", null))).count();
            default -> null;
        };
    }

    /** {@code dict.items()}: a list of (key, value) tuples. */
    static List<Object> items(Map<?, ?> map) {
        List<Object> pairs = new ArrayList<>(map.size());
        map.forEach((key, value) -> pairs.add(Tuple.of(key, value)));
        return pairs;
    }

    /** Runs a list mutation; a tuple refuses it. */
    private static <T> T change(Supplier<T> mutation) {
        try {
            return mutation.get();
        } catch (UnsupportedOperationException e) {
            throw new TemplateException("A tuple cannot be changed");
        }
    }

    private static boolean matchesAny(Object patterns, Predicate<String> test) {
        if (patterns instanceof List<?> alternatives) {
            return alternatives.stream().anyMatch(pattern -> test.test(string(pattern)));
        }
        return test.test(string(patterns));
    }

    private static long maxSplit(Arguments args) {
        return Values.toLong(args.get(1, "maxsplit", -1L));
    }

    private static long countOccurrences(String s, String part) {
        if (part.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        long count = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            count++;
        }
        return count;
    }

    private static int codePointIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static String optionalString(Arguments args, int index, String keyword) {
        Object value = args.get(index, keyword, null);
        return value == null ? null : string(value);
    }

    static String string(Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw new TemplateException("Expected a string, got " + Values.typeName(value));
    }
}
