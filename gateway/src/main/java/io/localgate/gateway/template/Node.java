package io.localgate.gateway.template;

import java.util.List;

/**
 * The syntax tree of a template: statements, which write output, and expressions, which compute
 * values. Every node keeps the source offset it came from, for error messages. Nodes are immutable.
 */
sealed interface Node {

    int offset();

    // ---- statements ----

    sealed interface Statement extends Node {}

    record Text(int offset, String text) implements Statement {}

    /** {@code {{ expression }}} */
    record Output(int offset, Expression expression) implements Statement {}

    /** {@code if / elif / else}: the first branch whose condition holds runs, else {@code otherwise}. */
    record If(int offset, List<Branch> branches, List<Statement> otherwise) implements Statement {}

    record Branch(Expression condition, List<Statement> body) {}

    /** {@code for target in iterable [if condition]}; {@code otherwise} runs when nothing was iterated. */
    record For(int offset, Expression target, Expression iterable, Expression condition,
               List<Statement> body, List<Statement> otherwise) implements Statement {}

    /** {@code set target = value}; the target is a name, a tuple of names or {@code namespace.attribute}. */
    record Assign(int offset, Expression target, Expression value) implements Statement {}

    /** {@code set name [| filters]} ... {@code endset}: captures rendered text. */
    record AssignBlock(int offset, String name, List<FilterCall> filters, List<Statement> body) implements Statement {}

    record Macro(int offset, String name, List<Parameter> parameters, List<Statement> body) implements Statement {}

    /** {@code call(parameters) macro(arguments)}: the body becomes the macro's {@code caller()}. */
    record CallBlock(int offset, List<Parameter> parameters, Call call, List<Statement> body) implements Statement {}

    /** {@code filter name(arguments)} ... {@code endfilter}: filters the rendered body. */
    record FilterBlock(int offset, List<FilterCall> filters, List<Statement> body) implements Statement {}

    record Break(int offset) implements Statement {}

    record Continue(int offset) implements Statement {}

    /** A macro parameter; {@code defaultValue} is null when the parameter has none. */
    record Parameter(String name, Expression defaultValue) {}

    record FilterCall(int offset, String name, List<Argument> arguments) {}

    // ---- expressions ----

    sealed interface Expression extends Node {}

    /** A constant: string, integer, float, boolean or none. */
    record Literal(int offset, Object value) implements Expression {}

    record Name(int offset, String name) implements Expression {}

    record ListLiteral(int offset, List<Expression> items) implements Expression {}

    record TupleLiteral(int offset, List<Expression> items) implements Expression {}

    record DictLiteral(int offset, List<Entry> entries) implements Expression {}

    record Entry(Expression key, Expression value) {}

    /** {@code object.name} */
    record Attribute(int offset, Expression object, String name) implements Expression {}

    /** {@code object[key]} */
    record Item(int offset, Expression object, Expression key) implements Expression {}

    /** {@code object[start:stop:step]}; absent parts are null. */
    record Slice(int offset, Expression object, Expression start, Expression stop, Expression step)
            implements Expression {}

    record Call(int offset, Expression callee, List<Argument> arguments) implements Expression {}

    /** {@code operand | name(arguments)} */
    record Filter(int offset, Expression operand, FilterCall filter) implements Expression {}

    /** {@code operand is [not] name(arguments)} */
    record Test(int offset, Expression operand, String name, List<Argument> arguments, boolean negated)
            implements Expression {}

    record Not(int offset, Expression operand) implements Expression {}

    /** Unary {@code -} or {@code +}. */
    record Sign(int offset, boolean negative, Expression operand) implements Expression {}

    record Binary(int offset, BinaryOperator operator, Expression left, Expression right) implements Expression {}

    /** {@code first op1 x op2 y ...}, a Python comparison chain. */
    record Compare(int offset, Expression first, List<Comparison> rest) implements Expression {}

    record Comparison(CompareOperator operator, Expression operand) {}

    /** {@code then if condition else otherwise}; {@code otherwise} is null when omitted. */
    record Conditional(int offset, Expression condition, Expression then, Expression otherwise)
            implements Expression {}

    enum BinaryOperator {
        AND("and"), OR("or"), ADD("+"), SUBTRACT("-"), CONCAT("~"), MULTIPLY("*"), DIVIDE("/"),
        FLOOR_DIVIDE("//"), MODULO("%"), POWER("**");

        final String symbol;

        BinaryOperator(String symbol) {
            this.symbol = symbol;
        }
    }

    enum CompareOperator {
        EQUAL("=="), NOT_EQUAL("!="), LESS("<"), LESS_OR_EQUAL("<="), GREATER(">"), GREATER_OR_EQUAL(">="),
        IN("in"), NOT_IN("not in");

        final String symbol;

        CompareOperator(String symbol) {
            this.symbol = symbol;
        }
    }

    // ---- call arguments ----

    sealed interface Argument {}

    record Positional(Expression value) implements Argument {}

    record Keyword(String name, Expression value) implements Argument {}

    /** {@code *sequence} */
    record Spread(Expression value) implements Argument {}

    /** {@code **mapping} */
    record KeywordSpread(Expression value) implements Argument {}
}
