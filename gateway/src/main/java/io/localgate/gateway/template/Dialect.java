package io.localgate.gateway.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which Jinja a template is rendered as. Both render every template the same way where both can; they
 * differ only where @huggingface/jinja 0.5.11 (the engine of transformers.js, whose renders are the
 * reference) lacks a feature of Python's Jinja.
 */
public enum Dialect {

    /** Python's Jinja as transformers runs it: integer dict keys, {@code list.append}, {@code str.format}, ... work. */
    PYTHON_JINJA,

    /**
     * Reference-compatible: a template fails, with @huggingface/jinja's own message, exactly where that
     * engine fails for lack of a feature (a loop over an undefined variable, a filter applied to undefined or
     * none, {@code |string} of a dict, {@code |min}, integer dict keys, list methods, {@code str.format},
     * unpacking a tuple in a loop), so a conversation the reference refuses is refused here too.
     */
    HUGGINGFACE_JS;

    /** Filters @huggingface/jinja applies to undefined and none before looking at the operand's type. */
    private static final Set<String> FILTERS_OF_ANYTHING = Set.of("default", "d", "tojson");

    void checkFilter(String name, Object value) {
        if (this != HUGGINGFACE_JS || FILTERS_OF_ANYTHING.contains(name)) return;
        if (value == null || value instanceof Undefined) {
            throw new TemplateException("Cannot apply filter \"" + name + "\" to type: " + typeName(value));
        }
        if (value instanceof Map<?, ?> && name.equals("string")) throw new TemplateException("Unknown ObjectValue filter: string");
        if (value instanceof List<?> && (name.equals("min") || name.equals("max"))) {
            throw new TemplateException("Unknown ArrayValue filter: " + name);
        }
    }

    void checkIterable(Object value) {
        if (this == HUGGINGFACE_JS && (value == null || value instanceof Undefined)) {
            throw new TemplateException("Expected iterable or object type in for loop: got " + typeName(value));
        }
    }

    void checkUnpack(Object item) {
        if (this == HUGGINGFACE_JS && item instanceof Tuple tuple && tuple.isLiteral()) throw new TemplateException("Cannot unpack non-iterable type: TupleValue");
    }

    void checkDictKey(Object key) {
        if (this == HUGGINGFACE_JS && !(key instanceof String)) {
            throw new TemplateException("Object keys must be strings: got " + typeName(key));
        }
    }

    /** Lists have no methods there, and strings no {@code format}: calling one calls an undefined value. */
    void checkMethod(Object receiver, String name) {
        if (this == HUGGINGFACE_JS && (receiver instanceof List<?> || receiver instanceof String && name.equals("format"))) {
            throw new TemplateException("Cannot call something that is not a function: got UndefinedValue");
        }
    }

    /** The value's type as @huggingface/jinja names it in messages. */
    static String typeName(Object value) {
        return switch (value) {
            case null -> "NullValue";
            case Undefined u -> "UndefinedValue";
            case Boolean b -> "BooleanValue";
            case Long l -> "IntegerValue";
            case Double d -> "FloatValue";
            case String s -> "StringValue";
            case Tuple t -> "TupleValue";
            case List<?> l -> "ArrayValue";
            case Map<?, ?> m -> "ObjectValue";
            case TemplateFunction f -> "FunctionValue";
            default -> value.getClass().getSimpleName();
        };
    }
}
