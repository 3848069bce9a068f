package io.localgate.gateway.template;

import io.localgate.gateway.template.Node.Argument;
import io.localgate.gateway.template.Node.Assign;
import io.localgate.gateway.template.Node.AssignBlock;
import io.localgate.gateway.template.Node.Attribute;
import io.localgate.gateway.template.Node.Binary;
import io.localgate.gateway.template.Node.Branch;
import io.localgate.gateway.template.Node.Break;
import io.localgate.gateway.template.Node.Call;
import io.localgate.gateway.template.Node.CallBlock;
import io.localgate.gateway.template.Node.Compare;
import io.localgate.gateway.template.Node.Comparison;
import io.localgate.gateway.template.Node.Conditional;
import io.localgate.gateway.template.Node.Continue;
import io.localgate.gateway.template.Node.DictLiteral;
import io.localgate.gateway.template.Node.Entry;
import io.localgate.gateway.template.Node.Expression;
import io.localgate.gateway.template.Node.Filter;
import io.localgate.gateway.template.Node.FilterBlock;
import io.localgate.gateway.template.Node.FilterCall;
import io.localgate.gateway.template.Node.For;
import io.localgate.gateway.template.Node.If;
import io.localgate.gateway.template.Node.Item;
import io.localgate.gateway.template.Node.Keyword;
import io.localgate.gateway.template.Node.KeywordSpread;
import io.localgate.gateway.template.Node.ListLiteral;
import io.localgate.gateway.template.Node.Literal;
import io.localgate.gateway.template.Node.Macro;
import io.localgate.gateway.template.Node.Name;
import io.localgate.gateway.template.Node.Not;
import io.localgate.gateway.template.Node.Output;
import io.localgate.gateway.template.Node.Parameter;
import io.localgate.gateway.template.Node.Positional;
import io.localgate.gateway.template.Node.Sign;
import io.localgate.gateway.template.Node.Slice;
import io.localgate.gateway.template.Node.Spread;
import io.localgate.gateway.template.Node.Statement;
import io.localgate.gateway.template.Node.Test;
import io.localgate.gateway.template.Node.Text;
import io.localgate.gateway.template.Node.TupleLiteral;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree of one template for one render. Not thread-safe: each render makes its own.
 */
final class Interpreter {

    /** Macro calls may nest this deep; recursive templates (JSON schema printers) stay far below. */
    private static final int MAX_CALL_DEPTH = 200;

    /** Loop iterations one render may run in all, so that a runaway template fails instead of hanging. */
    private static final long MAX_LOOP_ITERATIONS = 1_000_000;

    /** How a statement list finished: normally, or by {@code break}/{@code continue} bound for the loop. */
    private enum Flow { NORMAL, BREAK, CONTINUE }

    private final String source;
    private final Clock clock;
    private final Dialect dialect;
    private int callDepth;
    private long loopIterations;

    Interpreter(String source, Clock clock, Dialect dialect) {
        this.source = source;
        this.clock = clock;
        this.dialect = dialect;
    }

    String render(List<Statement> template, Map<String, Object> variables) {
        Scope globals = new Scope(null);
        Globals.install(globals, clock);
        Scope root = globals.child();
        variables.forEach((name, value) -> root.set(name, Values.fromJava(value)));
        StringBuilder out = new StringBuilder();
        try {
            execute(template, root, out);
        } catch (StackOverflowError e) {
            throw new TemplateException("Template recursion or data nesting too deep");
        }
        return out.toString();
    }

    // ---- statements ----

    private Flow execute(List<Statement> statements, Scope scope, StringBuilder out) {
        for (Statement statement : statements) {
            Flow flow;
            try {
                flow = execute(statement, scope, out);
            } catch (TemplateException e) {
                throw e.locatedAt(source, statement.offset());
            }
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow execute(Statement statement, Scope scope, StringBuilder out) {
        switch (statement) {
            case Text text -> write(out, text.text());
            case Output output -> write(out, Values.toText(evaluate(output.expression(), scope)));
            case If conditional -> {
                for (Branch branch : conditional.branches()) {
                    if (Values.isTrue(evaluate(branch.condition(), scope))) {
                        return execute(branch.body(), scope, out);
                    }
                }
                return execute(conditional.otherwise(), scope, out);
            }
            case For loop -> {
                return executeFor(loop, scope, out);
            }
            case Assign assign -> assign(assign.target(), evaluate(assign.value(), scope), scope);
            case AssignBlock block -> scope.set(block.name(), applyFilters(block.filters(), render(block.body(), scope), scope));
            case Macro macro -> scope.set(macro.name(), macro(macro.name(), macro.parameters(), macro.body(), scope));
            case CallBlock block -> {
                TemplateFunction caller = macro("caller", block.parameters(), block.body(), scope);
                Arguments arguments = evaluateArguments(block.call().arguments(), scope);
                Map<String, Object> keywords = new LinkedHashMap<>(arguments.keywords());
                keywords.put("caller", caller);
                Object result = call(evaluate(block.call().callee(), scope), new Arguments(arguments.positional(), keywords));
                write(out, Values.toText(result));
            }
            case FilterBlock block -> write(out, Values.toText(applyFilters(block.filters(), render(block.body(), scope), scope)));
            case Break ignored -> {
                return Flow.BREAK;
            }
            case Continue ignored -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private static void write(StringBuilder out, String text) {
        Operators.checkSize((long) out.length() + text.length());
        out.append(text);
    }

    private String render(List<Statement> body, Scope scope) {
        StringBuilder out = new StringBuilder();
        execute(body, scope, out);
        return out.toString();
    }

    /** Each iteration runs in a fresh child scope: assignments in the body do not outlive it (Jinja's rule). */
    private Flow executeFor(For loop, Scope scope, StringBuilder out) {
        Object iterable = evaluate(loop.iterable(), scope);
        dialect.checkIterable(iterable);
        List<Object> items = Values.iterate(iterable);
        if (loop.target() instanceof TupleLiteral) items.forEach(dialect::checkUnpack);
        if (loop.condition() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                countIteration();
                Scope probe = scope.child();
                assign(loop.target(), item, probe);
                if (Values.isTrue(evaluate(loop.condition(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            return execute(loop.otherwise(), scope.child(), out);
        }
        for (int i = 0; i < items.size(); i++) {
            countIteration();
            Scope iteration = scope.child();
            iteration.set("loop", loopVariable(items, i));
            assign(loop.target(), items.get(i), iteration);
            if (execute(loop.body(), iteration, out) == Flow.BREAK) {
                break;
            }
        }
        return Flow.NORMAL;
    }

    private void countIteration() {
        if (++loopIterations > MAX_LOOP_ITERATIONS) {
            throw new TemplateException("Template ran more than " + MAX_LOOP_ITERATIONS + " loop iterations");
        }
    }

    private static Map<String, Object> loopVariable(List<Object> items, int index) {
        int length = items.size();
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("index", index + 1L);
        loop.put("index0", (long) index);
        loop.put("revindex", (long) (length - index));
        loop.put("revindex0", (long) (length - index - 1));
        loop.put("first", index == 0);
        loop.put("last", index == length - 1);
        loop.put("length", (long) length);
        loop.put("previtem", index > 0 ? items.get(index - 1) : new Undefined("There is no previous item"));
        loop.put("nextitem", index < length - 1 ? items.get(index + 1) : new Undefined("There is no next item"));
        loop.put("depth", 1L);
        loop.put("depth0", 0L);
        loop.put("cycle", (TemplateFunction) args -> {
            if (args.size() == 0) {
                throw new TemplateException("loop.cycle() needs at least one value");
            }
            return args.positional().get(index % args.size());
        });
        return loop;
    }

    /** Binds a name, unpacks into a tuple of names, or sets a namespace attribute. */
    private void assign(Expression target, Object value, Scope scope) {
        switch (target) {
            case Name name -> scope.set(name.name(), value);
            case TupleLiteral tuple -> {
                if (value == null || value instanceof Undefined) {
                    throw new TemplateException("Cannot unpack " + Values.typeName(value));
                }
                List<Object> values = Values.iterate(value);
                if (values.size() != tuple.items().size()) {
                    throw new TemplateException("Cannot unpack " + values.size() + " values into "
                            + tuple.items().size() + " names");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(tuple.items().get(i), values.get(i), scope);
                }
            }
            case Attribute attribute -> {
                if (!(evaluate(attribute.object(), scope) instanceof Namespace namespace)) {
                    throw new TemplateException("Only a namespace() object can have attributes assigned");
                }
                namespace.set(attribute.name(), value);
            }
            default -> throw new TemplateException("Cannot assign to this expression");
        }
    }

    /** A macro (or a call block's {@code caller}) as a function closing over the scope it was defined in. */
    private TemplateFunction macro(String name, List<Parameter> parameters, List<Statement> body, Scope definition) {
        return arguments -> {
            if (callDepth >= MAX_CALL_DEPTH) {
                throw new TemplateException("Macro '" + name + "' nested more than " + MAX_CALL_DEPTH + " calls deep");
            }
            callDepth++;
            try {
                Scope local = definition.child();
                bindParameters(name, parameters, arguments, local);
                return render(body, local);
            } finally {
                callDepth--;
            }
        };
    }

    private void bindParameters(String macro, List<Parameter> parameters, Arguments arguments, Scope local) {
        Map<String, Object> keywords = new LinkedHashMap<>(arguments.keywords());
        if (keywords.containsKey("caller")) {
            local.set("caller", keywords.remove("caller"));
        }
        for (int i = 0; i < parameters.size(); i++) {
            Parameter parameter = parameters.get(i);
            if (i < arguments.size()) {
                if (keywords.containsKey(parameter.name())) {
                    throw new TemplateException("Macro '" + macro + "' got multiple values for '" + parameter.name() + "'");
                }
                local.set(parameter.name(), arguments.positional().get(i));
            } else if (keywords.containsKey(parameter.name())) {
                local.set(parameter.name(), keywords.remove(parameter.name()));
            } else if (parameter.defaultValue() != null) {
                local.set(parameter.name(), evaluate(parameter.defaultValue(), local));
            } else {
                local.set(parameter.name(), new Undefined("Macro '" + macro + "' was called without '"
                        + parameter.name() + "'"));
            }
        }
        List<Object> extra = arguments.positional().subList(Math.min(parameters.size(), arguments.size()), arguments.size());
        local.set("varargs", new Tuple(extra));
        local.set("kwargs", new LinkedHashMap<Object, Object>(keywords));
    }

    // ---- expressions ----

    private Object evaluate(Expression expression, Scope scope) {
        try {
            return switch (expression) {
                case Literal literal -> literal.value();
                case Name name -> scope.lookup(name.name());
                case ListLiteral list -> evaluateAll(list.items(), scope);
                case TupleLiteral tuple -> Tuple.literal(evaluateAll(tuple.items(), scope));
                case DictLiteral dict -> evaluateDict(dict, scope);
                case Attribute attribute -> Values.attribute(evaluate(attribute.object(), scope), attribute.name());
                case Item item -> Values.item(evaluate(item.object(), scope), evaluate(item.key(), scope));
                case Slice slice -> Values.slice(evaluate(slice.object(), scope), sliceBound(slice.start(), scope),
                        sliceBound(slice.stop(), scope), sliceBound(slice.step(), scope));
                case Call call -> call(callee(call.callee(), scope), evaluateArguments(call.arguments(), scope));
                case Filter filter -> applyFilter(filter.filter(), evaluate(filter.operand(), scope), scope);
                case Test test -> Tests.apply(test.name(), evaluate(test.operand(), scope),
                        evaluateArguments(test.arguments(), scope)) != test.negated();
                case Not not -> !Values.isTrue(evaluate(not.operand(), scope));
                case Sign sign -> Operators.sign(sign.negative(), evaluate(sign.operand(), scope));
                case Binary binary -> evaluateBinary(binary, scope);
                case Compare compare -> evaluateCompare(compare, scope);
                case Conditional conditional -> Values.isTrue(evaluate(conditional.condition(), scope))
                        ? evaluate(conditional.then(), scope)
                        : conditional.otherwise() == null
                                ? new Undefined("The conditional expression had no else branch")
                                : evaluate(conditional.otherwise(), scope);
            };
        } catch (TemplateException e) {
            throw e.locatedAt(source, expression.offset());
        }
    }

    private List<Object> evaluateAll(List<Expression> expressions, Scope scope) {
        List<Object> values = new ArrayList<>(expressions.size());
        for (Expression expression : expressions) {
            values.add(evaluate(expression, scope));
        }
        return values;
    }

    private Map<Object, Object> evaluateDict(DictLiteral dict, Scope scope) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (Entry entry : dict.entries()) {
            Object key = evaluate(entry.key(), scope);
            dialect.checkDictKey(key);
            if (key instanceof List<?> || key instanceof Map<?, ?> || key instanceof Undefined) {
                throw new TemplateException("Unusable dict key of type " + Values.typeName(key));
            }
            map.put(key, evaluate(entry.value(), scope));
        }
        return map;
    }

    private Long sliceBound(Expression bound, Scope scope) {
        if (bound == null) {
            return null;
        }
        Object value = evaluate(bound, scope);
        if (value == null) {
            return null;
        }
        if (!Values.isIntegral(value)) {
            throw new TemplateException("Slice bounds must be integers, got " + Values.typeName(value));
        }
        return Values.toLong(value);
    }

    private Object evaluateBinary(Binary binary, Scope scope) {
        Object left = evaluate(binary.left(), scope);
        return switch (binary.operator()) {
            case AND -> Values.isTrue(left) ? evaluate(binary.right(), scope) : left;
            case OR -> Values.isTrue(left) ? left : evaluate(binary.right(), scope);
            default -> Operators.binary(binary.operator(), left, evaluate(binary.right(), scope));
        };
    }

    private boolean evaluateCompare(Compare compare, Scope scope) {
        Object left = evaluate(compare.first(), scope);
        for (Comparison comparison : compare.rest()) {
            Object right = evaluate(comparison.operand(), scope);
            if (!Operators.compare(comparison.operator(), left, right)) {
                return false;
            }
            left = right;
        }
        return true;
    }

    private Arguments evaluateArguments(List<Argument> arguments, Scope scope) {
        if (arguments.isEmpty()) {
            return Arguments.NONE;
        }
        List<Object> positional = new ArrayList<>();
        Map<String, Object> keywords = new LinkedHashMap<>();
        for (Argument argument : arguments) {
            switch (argument) {
                case Positional p -> positional.add(evaluate(p.value(), scope));
                case Spread spread -> positional.addAll(Values.iterate(evaluate(spread.value(), scope)));
                case Keyword keyword -> keywords.put(keyword.name(), evaluate(keyword.value(), scope));
                case KeywordSpread spread -> {
                    if (!(evaluate(spread.value(), scope) instanceof Map<?, ?> map)) {
                        throw new TemplateException("Argument after ** must be a mapping");
                    }
                    map.forEach((key, value) -> keywords.put(Methods.string(key), value));
                }
            }
        }
        return new Arguments(positional, keywords);
    }

    /**
     * What a call expression calls. {@code x.items()} means the method even when the dict {@code x} has
     * an {@code items} key (a JSON schema of an array does), as in Python; plain {@code x.items} still
     * finds the key first.
     */
    private Object callee(Expression callee, Scope scope) {
        if (callee instanceof Attribute attribute) {
            Object owner = evaluate(attribute.object(), scope);
            TemplateFunction method = Methods.find(owner, attribute.name());
            if (method != null) dialect.checkMethod(owner, attribute.name());
            return method != null ? method : Values.attribute(owner, attribute.name());
        }
        return evaluate(callee, scope);
    }

    private static Object call(Object callee, Arguments arguments) {
        return switch (callee) {
            case TemplateFunction function -> function.call(arguments);
            case Undefined undefined -> throw new TemplateException("Cannot call an undefined value: "
                    + undefined.description());
            case null, default -> throw new TemplateException("A " + Values.typeName(callee) + " is not callable");
        };
    }

    private Object applyFilter(FilterCall filter, Object value, Scope scope) {
        try {
            dialect.checkFilter(filter.name(), value);
            return Filters.apply(filter.name(), value, evaluateArguments(filter.arguments(), scope));
        } catch (TemplateException e) {
            throw e.locatedAt(source, filter.offset());
        }
    }

    private Object applyFilters(List<FilterCall> filters, Object value, Scope scope) {
        Object result = value;
        for (FilterCall filter : filters) {
            result = applyFilter(filter, result, scope);
        }
        return result;
    }
}
