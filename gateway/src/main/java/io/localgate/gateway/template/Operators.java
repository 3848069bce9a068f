package io.localgate.gateway.template;

import io.localgate.gateway.template.Node.BinaryOperator;
import io.localgate.gateway.template.Node.CompareOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Arithmetic, concatenation and comparison with Python's rules, as Jinja applies them. */
final class Operators {

    /**
     * No text or list a template builds may exceed this many characters or items, so that a runaway
     * template (say, doubling a string in a loop) fails instead of exhausting the server's memory.
     */
    static final long MAX_SIZE = 16_000_000;

    private Operators() {}

    /** Every binary operator except {@code and}/{@code or}, which the interpreter short-circuits. */
    static Object binary(BinaryOperator operator, Object left, Object right) {
        if (operator == BinaryOperator.CONCAT) {
            return joinText(Values.toText(left), Values.toText(right));
        }
        requireOperand(operator, left);
        requireOperand(operator, right);
        return switch (operator) {
            case ADD -> add(left, right);
            case MULTIPLY -> multiply(left, right);
            case SUBTRACT, DIVIDE, FLOOR_DIVIDE, MODULO, POWER -> arithmetic(operator, left, right);
            case AND, OR, CONCAT -> throw new IllegalStateException("not an arithmetic operator: " + operator);
        };
    }

    static boolean compare(CompareOperator operator, Object left, Object right) {
        return switch (operator) {
            case EQUAL -> Values.equal(left, right);
            case NOT_EQUAL -> !Values.equal(left, right);
            case IN -> Values.contains(right, left);
            case NOT_IN -> !Values.contains(right, left);
            case LESS -> Values.compare(left, right) < 0;
            case LESS_OR_EQUAL -> Values.compare(left, right) <= 0;
            case GREATER -> Values.compare(left, right) > 0;
            case GREATER_OR_EQUAL -> Values.compare(left, right) >= 0;
        };
    }

    static Object sign(boolean negative, Object operand) {
        return switch (operand) {
            case Double d -> negative ? -d : d;
            case Long l -> negative ? Math.negateExact(l) : l;
            case Boolean b -> negative ? -Values.toLong(b) : Values.toLong(b);
            case null, default -> throw new TemplateException("Bad operand type for unary " + (negative ? "-" : "+") + ": "
                    + Values.typeName(operand));
        };
    }

    private static void requireOperand(BinaryOperator operator, Object value) {
        if (value == null) {
            throw new TemplateException("Cannot apply '" + operator.symbol + "' to none");
        }
        if (value instanceof Undefined undefined) {
            throw new TemplateException("Cannot apply '" + operator.symbol + "' to an undefined value ("
                    + undefined.description() + ")");
        }
    }

    /** {@code +} adds numbers and lists; with a string on either side it joins text, as @huggingface/jinja does. */
    private static Object add(Object left, Object right) {
        if (Values.isNumber(left) && Values.isNumber(right)) {
            return arithmetic(BinaryOperator.ADD, left, right);
        }
        if (left instanceof List<?> x && right instanceof List<?> y) {
            checkSize((long) x.size() + y.size());
            List<Object> joined = new ArrayList<>(x);
            joined.addAll(y);
            return joined;
        }
        if (left instanceof String || right instanceof String) {
            return joinText(addedText(left), addedText(right));
        }
        throw unsupported(BinaryOperator.ADD, left, right);
    }

    /**
     * A list or dict added to a string is written as JSON. Python refuses {@code str + dict}; templates
     * that write {@code '...' + tool_call.function.arguments} expect OpenAI's JSON-string arguments, so
     * JSON is the text they mean when a caller passes the arguments as a mapping.
     */
    private static String addedText(Object value) {
        return value instanceof List<?> || value instanceof Map<?, ?> ? Json.write(value, Json.Style.DEFAULT)
                : Values.toText(value);
    }

    private static Object multiply(Object left, Object right) {
        if (Values.isNumber(left) && Values.isNumber(right)) {
            return arithmetic(BinaryOperator.MULTIPLY, left, right);
        }
        if (Values.isIntegral(right) && (left instanceof String || left instanceof List<?>)) {
            return repeat(left, Values.toLong(right));
        }
        if (Values.isIntegral(left) && (right instanceof String || right instanceof List<?>)) {
            return repeat(right, Values.toLong(left));
        }
        throw unsupported(BinaryOperator.MULTIPLY, left, right);
    }

    private static Object repeat(Object sequence, long times) {
        int unit = sequence instanceof String s ? s.length() : ((List<?>) sequence).size();
        long count = unit == 0 ? 0 : Math.max(0, times);
        checkSize(count > MAX_SIZE ? count : count * unit);
        if (sequence instanceof String s) {
            return s.repeat((int) count);
        }
        List<Object> repeated = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            repeated.addAll((List<?>) sequence);
        }
        return repeated;
    }

    private static String joinText(String left, String right) {
        checkSize((long) left.length() + right.length());
        return left + right;
    }

    /** Fails when a result would exceed {@link #MAX_SIZE}. */
    static void checkSize(long size) {
        if (size > MAX_SIZE) {
            throw new TemplateException("Result too large: " + size + " characters or items (at most " + MAX_SIZE + ")");
        }
    }

    private static Object arithmetic(BinaryOperator operator, Object left, Object right) {
        if (!Values.isNumber(left) || !Values.isNumber(right)) {
            throw unsupported(operator, left, right);
        }
        boolean integers = Values.isIntegral(left) && Values.isIntegral(right);
        if (integers && operator != BinaryOperator.DIVIDE) {
            return integerArithmetic(operator, Values.toLong(left), Values.toLong(right));
        }
        double a = Values.toDouble(left);
        double b = Values.toDouble(right);
        if (b == 0 && (operator == BinaryOperator.DIVIDE || operator == BinaryOperator.FLOOR_DIVIDE
                || operator == BinaryOperator.MODULO)) {
            throw new TemplateException("Division by zero");
        }
        return switch (operator) {
            case ADD -> a + b;
            case SUBTRACT -> a - b;
            case MULTIPLY -> a * b;
            case DIVIDE -> a / b;
            case FLOOR_DIVIDE -> Math.floor(a / b);
            case MODULO -> a - b * Math.floor(a / b);
            case POWER -> Math.pow(a, b);
            default -> throw unsupported(operator, left, right);
        };
    }

    private static Object integerArithmetic(BinaryOperator operator, long a, long b) {
        if (operator == BinaryOperator.POWER && b < 0) {
            return Math.pow(a, b);
        }
        try {
            return switch (operator) {
                case ADD -> Math.addExact(a, b);
                case SUBTRACT -> Math.subtractExact(a, b);
                case MULTIPLY -> Math.multiplyExact(a, b);
                case FLOOR_DIVIDE -> Math.floorDiv(a, nonZero(b));
                case MODULO -> Math.floorMod(a, nonZero(b));
                case POWER -> power(a, b);
                default -> throw new IllegalStateException("not an integer operator: " + operator);
            };
        } catch (ArithmeticException e) {
            throw new TemplateException("Integer overflow in '" + operator.symbol + "'");
        }
    }

    /** Exact exponentiation by squaring; overflow throws. */
    private static long power(long base, long exponent) {
        long result = 1;
        while (exponent > 0) {
            if ((exponent & 1) == 1) {
                result = Math.multiplyExact(result, base);
            }
            exponent >>= 1;
            if (exponent > 0) {
                base = Math.multiplyExact(base, base);
            }
        }
        return result;
    }

    private static long nonZero(long divisor) {
        if (divisor == 0) {
            throw new TemplateException("Division by zero");
        }
        return divisor;
    }

    private static TemplateException unsupported(BinaryOperator operator, Object left, Object right) {
        return new TemplateException("Unsupported operand types for '" + operator.symbol + "': "
                + Values.typeName(left) + " and " + Values.typeName(right));
    }
}
