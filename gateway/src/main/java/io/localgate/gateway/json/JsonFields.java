package io.localgate.gateway.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of one JSON (or YAML) object strictly by type: a string where a number belongs is an
 * {@link InvalidFieldException} naming the field, never a silent coercion. A field that is absent and one
 * that is {@code null} both mean "not given", as in the OpenAI API.
 */
public final class JsonFields {

    private final JsonNode object;
    private final String path;

    private JsonFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /**
     * @param node the object to read
     * @param path where it sits in its document ({@code ""} for the root), used to name fields in errors
     * @throws InvalidFieldException when the node is not an object
     */
    public static JsonFields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            String what = path.isEmpty() ? "The request body" : "'" + path + "'";
            throw new InvalidFieldException(path.isEmpty() ? null : path, "invalid_type",
                    what + " must be a JSON object, got " + describe(node) + ".");
        }
        return new JsonFields(node, path);
    }

    /** The full name of a field of this object, for error messages. */
    public String param(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    public boolean has(String name) {
        return value(name) != null;
    }

    /** The field's value, or null when absent or null. */
    public JsonNode value(String name) {
        JsonNode value = object.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** The names of all fields, including those set to null. */
    public Set<String> names() {
        return new TreeSet<>(object.propertyNames());
    }

    /** Rejects fields that are not in {@code known}, naming all of them. */
    public void rejectUnknown(Set<String> known) {
        List<String> unknown = new ArrayList<>();
        for (String name : names()) {
            if (!known.contains(name)) unknown.add(name);
        }
        if (!unknown.isEmpty()) {
            throw new InvalidFieldException(param(unknown.getFirst()), "unknown_parameter",
                    "Unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown.stream().map(this::param).toList())
                            + "; known keys are " + String.join(", ", new TreeSet<>(known)) + ".");
        }
    }

    public String string(String name) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isString()) throw wrongType(name, "a string", value);
        return value.stringValue();
    }

    public String requiredString(String name) {
        String value = string(name);
        if (value == null) throw missing(name);
        return value;
    }

    public Boolean bool(String name) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isBoolean()) throw wrongType(name, "a boolean", value);
        return value.booleanValue();
    }

    /** A number within [min, max], or null when not given. */
    public Double number(String name, double min, double max) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isNumber()) throw wrongType(name, "a number", value);
        double number = value.doubleValue();
        if (!(number >= min && number <= max)) {
            throw new InvalidFieldException(param(name), "invalid_value", "'" + param(name) + "' must be "
                    + range(min, max) + ", got " + value + ".");
        }
        return number;
    }

    /** A whole number within [min, max], or null when not given. {@code 16.0} counts as whole; {@code 16.5} does not. */
    public Long integer(String name, long min, long max) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isNumber() || !value.canConvertToExactIntegral()) throw wrongType(name, "an integer", value);
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw new InvalidFieldException(param(name), "invalid_value", "'" + param(name) + "' must be "
                    + range(min, max) + ", got " + value + ".");
        }
        return value.longValue();
    }

    /** A nested object, or null when not given. */
    public JsonFields object(String name) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isObject()) throw wrongType(name, "an object", value);
        return new JsonFields(value, param(name));
    }

    /** An array, or null when not given. */
    public JsonNode array(String name) {
        JsonNode value = value(name);
        if (value == null) return null;
        if (!value.isArray()) throw wrongType(name, "an array", value);
        return value;
    }

    public InvalidFieldException missing(String name) {
        return new InvalidFieldException(param(name), "missing_required_parameter", "Missing required parameter: '" + param(name) + "'.");
    }

    public InvalidFieldException invalid(String name, String message) {
        return new InvalidFieldException(param(name), "invalid_value", "Invalid '" + param(name) + "': " + message);
    }

    /** A parameter that is well-formed but asks for something this server does not do (yet). */
    public InvalidFieldException unsupported(String name, String message) {
        return new InvalidFieldException(param(name), "unsupported_parameter", message);
    }

    public InvalidFieldException wrongType(String name, String expected, JsonNode actual) {
        return new InvalidFieldException(param(name), "invalid_type", "Invalid type for '" + param(name) + "': expected "
                + expected + ", but got " + describe(actual) + " instead.");
    }

    /** "a string", "an array", ... for error messages. */
    public static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        if (node.isNull()) return "null";
        if (node.isString()) return "a string";
        if (node.isBoolean()) return "a boolean";
        if (node.isIntegralNumber()) return "an integer";
        if (node.isNumber()) return "a number";
        if (node.isArray()) return "an array";
        if (node.isObject()) return "an object";
        return "a " + node.getNodeType().name().toLowerCase();
    }

    private static String range(double min, double max) {
        // an int or long field's far bound is no bound a client needs to hear of
        if (max >= Integer.MAX_VALUE) return ">= " + format(min);
        if (min <= Integer.MIN_VALUE) return "<= " + format(max);
        return "between " + format(min) + " and " + format(max);
    }

    private static String format(double number) {
        return number == Math.rint(number) && Math.abs(number) < 1e15 ? Long.toString((long) number) : Double.toString(number);
    }
}
