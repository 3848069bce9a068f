package io.localgate.gateway.template;

import java.util.List;
import java.util.Map;

/** Jinja's tests: {@code value is name(arguments)}. */
final class Tests {

    private Tests() {}

    static boolean apply(String name, Object value, Arguments args) {
        return switch (name) {
            case "defined" -> !(value instanceof Undefined);
            case "undefined" -> value instanceof Undefined;
            case "none" -> value == null;
            case "boolean" -> value instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(value);
            case "false" -> Boolean.FALSE.equals(value);
            case "string" -> value instanceof String;
            case "number" -> Values.isNumber(value);
            case "integer" -> value instanceof Long;
            case "float" -> value instanceof Double;
            case "mapping" -> value instanceof Map<?, ?>;
            // Undefined iterates as empty, so Jinja calls it iterable (a template's "Union[]" depends on it).
            case "iterable", "sequence" -> value instanceof String || value instanceof List<?> || value instanceof Map<?, ?>
                    || value instanceof Undefined;
            case "callable" -> value instanceof TemplateFunction;
            case "lower" -> value instanceof String s && s.equals(s.toLowerCase());
            case "upper" -> value instanceof String s && s.equals(s.toUpperCase());
            case "odd" -> integer(value, name) % 2 != 0;
            case "even" -> integer(value, name) % 2 == 0;
            case "divisibleby" -> integer(value, name) % nonZero(integer(args.require(0, "num", name), name)) == 0;
            case "eq", "equalto", "==" -> Values.equal(value, other(args, name));
            case "ne", "!=" -> !Values.equal(value, other(args, name));
            case "lt", "lessthan", "<" -> Values.compare(value, other(args, name)) < 0;
            case "le", "<=" -> Values.compare(value, other(args, name)) <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(value, other(args, name)) > 0;
            case "ge", ">=" -> Values.compare(value, other(args, name)) >= 0;
            case "in" -> Values.contains(args.require(0, "seq", name), value);
            case "sameas" -> sameAs(value, other(args, name));
            default -> throw new TemplateException("No test named '" + name + "'");
        };
    }

    private static Object other(Arguments args, String test) {
        return args.require(0, "other", test);
    }

    private static long integer(Object value, String test) {
        if (!Values.isIntegral(value)) {
            throw new TemplateException("Test '" + test + "' needs an integer, got " + Values.typeName(value));
        }
        return Values.toLong(value);
    }

    private static long nonZero(long divisor) {
        if (divisor == 0) {
            throw new TemplateException("Division by zero in 'divisibleby'");
        }
        return divisor;
    }

    /** Python's {@code is}: the same object; none, booleans and small values compare by value. */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || a instanceof Undefined) {
            return a == null ? b == null : a.equals(b);
        }
        return a == b || (a instanceof Long && a.equals(b)) || (a instanceof String && a.equals(b));
    }
}
