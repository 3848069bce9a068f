package io.localgate.gateway.template;

import io.localgate.gateway.template.Node.Argument;
import io.localgate.gateway.template.Node.Assign;
import io.localgate.gateway.template.Node.AssignBlock;
import io.localgate.gateway.template.Node.Attribute;
import io.localgate.gateway.template.Node.Binary;
import io.localgate.gateway.template.Node.BinaryOperator;
import io.localgate.gateway.template.Node.Branch;
import io.localgate.gateway.template.Node.Break;
import io.localgate.gateway.template.Node.Call;
import io.localgate.gateway.template.Node.CallBlock;
import io.localgate.gateway.template.Node.Compare;
import io.localgate.gateway.template.Node.CompareOperator;
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
import io.localgate.gateway.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to the syntax tree, with Jinja's grammar and operator
 * precedence (loosest first): conditional, {@code or}, {@code and}, {@code not}, comparisons and
 * {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary sign, then postfix
 * access, calls, filters and tests.
 */
final class Parser {

    /** Names that end a bare test argument, as in {@code x is defined and y}. */
    private static final Set<String> TEST_ARGUMENT_STOPS = Set.of("and", "or", "else", "if", "in", "is", "not");

    private final String source;
    private final List<Token> tokens;
    private int index;
    private int loopDepth;

    private Parser(String source, List<Token> tokens) {
        this.source = source;
        this.tokens = tokens;
    }

    static List<Statement> parse(String source) {
        try {
            return new Parser(source, Lexer.tokenize(source)).parseStatements(Set.of());
        } catch (StackOverflowError e) {
            throw new TemplateException("Template nested too deeply to parse");
        }
    }

    // ---- statements ----

    /** Parses until the end of input or a block tag named in {@code terminators}, which is left unconsumed. */
    private List<Statement> parseStatements(Set<String> terminators) {
        List<Statement> body = new ArrayList<>();
        while (true) {
            Token token = peek();
            switch (token.kind()) {
                case END -> {
                    return List.copyOf(body);
                }
                case TEXT -> {
                    next();
                    body.add(new Text(token.offset(), token.value()));
                }
                case VARIABLE_BEGIN -> {
                    next();
                    Expression expression = parseExpression();
                    expect(Kind.VARIABLE_END, "'}}'");
                    body.add(new Output(token.offset(), expression));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && terminators.contains(name.value())) {
                        return List.copyOf(body);
                    }
                    next();
                    body.addAll(parseBlock());
                }
                default -> throw error("Unexpected " + token.describe(), token);
            }
        }
    }

    /** Parses a block tag after its {@code {%}; most give one statement, {@code generation} gives its body. */
    private List<Statement> parseBlock() {
        Token keyword = expect(Kind.NAME, "a tag name");
        return switch (keyword.value()) {
            case "if" -> List.of(parseIf(keyword));
            case "for" -> List.of(parseFor(keyword));
            case "set" -> List.of(parseSet(keyword));
            case "macro" -> List.of(parseMacro(keyword));
            case "call" -> List.of(parseCallBlock(keyword));
            case "filter" -> List.of(parseFilterBlock(keyword));
            case "break", "continue" -> List.of(parseLoopControl(keyword));
            case "generation" -> parseGeneration(keyword);
            case "elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endgeneration" ->
                    throw error("Unexpected '" + keyword.value() + "': no open block takes it here", keyword);
            default -> throw error("Unknown tag '" + keyword.value() + "'", keyword);
        };
    }

    private If parseIf(Token keyword) {
        List<Branch> branches = new ArrayList<>();
        Expression condition = parseExpression();
        while (true) {
            expect(Kind.BLOCK_END, "'%}'");
            branches.add(new Branch(condition, parseStatements(Set.of("elif", "else", "endif"))));
            String tag = nextTerminator(keyword, "endif");
            switch (tag) {
                case "elif" -> condition = parseExpression();
                case "else" -> {
                    expect(Kind.BLOCK_END, "'%}'");
                    List<Statement> otherwise = parseStatements(Set.of("endif"));
                    closeBlock(keyword, "endif");
                    return new If(keyword.offset(), List.copyOf(branches), otherwise);
                }
                default -> {
                    expect(Kind.BLOCK_END, "'%}'");
                    return new If(keyword.offset(), List.copyOf(branches), List.of());
                }
            }
        }
    }

    private For parseFor(Token keyword) {
        Expression target = parseAssignTarget(false);
        expectName("in");
        Expression iterable = parseOr();
        Expression condition = acceptName("if") ? parseExpression() : null;
        if (peek().isName("recursive")) {
            throw error("Recursive for loops are not supported", peek());
        }
        expect(Kind.BLOCK_END, "'%}'");
        loopDepth++;
        List<Statement> body = parseStatements(Set.of("else", "endfor"));
        loopDepth--;
        List<Statement> otherwise = List.of();
        if (nextTerminator(keyword, "endfor").equals("else")) {
            expect(Kind.BLOCK_END, "'%}'");
            otherwise = parseStatements(Set.of("endfor"));
            closeBlock(keyword, "endfor");
        } else {
            expect(Kind.BLOCK_END, "'%}'");
        }
        return new For(keyword.offset(), target, iterable, condition, body, otherwise);
    }

    private Statement parseSet(Token keyword) {
        Expression target = parseAssignTarget(true);
        if (acceptOperator("=")) {
            Expression value = parseTupleOrExpression();
            expect(Kind.BLOCK_END, "'%}'");
            return new Assign(keyword.offset(), target, value);
        }
        if (!(target instanceof Name name)) {
            throw error("A block 'set' assigns to a single name", keyword);
        }
        List<FilterCall> filters = acceptOperator("|") ? parseFilterChain() : List.of();
        expect(Kind.BLOCK_END, "'%}'");
        List<Statement> body = parseStatements(Set.of("endset"));
        closeBlock(keyword, "endset");
        return new AssignBlock(keyword.offset(), name.name(), filters, body);
    }

    private Macro parseMacro(Token keyword) {
        String name = expect(Kind.NAME, "a macro name").value();
        List<Parameter> parameters = parseParameters();
        expect(Kind.BLOCK_END, "'%}'");
        List<Statement> body = parseOutsideLoop(Set.of("endmacro"));
        closeBlock(keyword, "endmacro");
        return new Macro(keyword.offset(), name, parameters, body);
    }

    private CallBlock parseCallBlock(Token keyword) {
        List<Parameter> parameters = peek().isOperator("(") ? parseParameters() : List.of();
        Expression call = parseExpression();
        if (!(call instanceof Call macroCall)) {
            throw error("A 'call' block needs a macro call", keyword);
        }
        expect(Kind.BLOCK_END, "'%}'");
        List<Statement> body = parseOutsideLoop(Set.of("endcall"));
        closeBlock(keyword, "endcall");
        return new CallBlock(keyword.offset(), parameters, macroCall, body);
    }

    private FilterBlock parseFilterBlock(Token keyword) {
        List<FilterCall> filters = parseFilterChain();
        expect(Kind.BLOCK_END, "'%}'");
        List<Statement> body = parseStatements(Set.of("endfilter"));
        closeBlock(keyword, "endfilter");
        return new FilterBlock(keyword.offset(), filters, body);
    }

    private Statement parseLoopControl(Token keyword) {
        if (loopDepth == 0) {
            throw error("'" + keyword.value() + "' outside of a for loop", keyword);
        }
        expect(Kind.BLOCK_END, "'%}'");
        return keyword.value().equals("break") ? new Break(keyword.offset()) : new Continue(keyword.offset());
    }

    /** Hugging Face's {@code generation} tag marks assistant text for training masks; rendering keeps its body. */
    private List<Statement> parseGeneration(Token keyword) {
        expect(Kind.BLOCK_END, "'%}'");
        List<Statement> body = parseStatements(Set.of("endgeneration"));
        closeBlock(keyword, "endgeneration");
        return body;
    }

    /** A macro or call body, where {@code break} cannot reach an enclosing loop. */
    private List<Statement> parseOutsideLoop(Set<String> terminators) {
        int enclosingLoops = loopDepth;
        loopDepth = 0;
        List<Statement> body = parseStatements(terminators);
        loopDepth = enclosingLoops;
        return body;
    }

    private List<Parameter> parseParameters() {
        expectOperator("(");
        List<Parameter> parameters = new ArrayList<>();
        while (!acceptOperator(")")) {
            if (!parameters.isEmpty()) {
                expectOperator(",");
                if (acceptOperator(")")) {
                    break;
                }
            }
            Token name = expect(Kind.NAME, "a parameter name");
            Expression defaultValue = acceptOperator("=") ? parseExpression() : null;
            if (defaultValue == null && !parameters.isEmpty() && parameters.getLast().defaultValue() != null) {
                throw error("Parameter '" + name.value() + "' without default follows one with a default", name);
            }
            parameters.add(new Parameter(name.value(), defaultValue));
        }
        return List.copyOf(parameters);
    }

    /** Consumes {@code {% name} of the tag that ends or continues the block opened by {@code opening}. */
    private String nextTerminator(Token opening, String endTag) {
        if (peek().kind() != Kind.BLOCK_BEGIN) {
            throw error("'" + opening.value() + "' is never closed with '" + endTag + "'", opening);
        }
        next();
        return next().value();
    }

    private void closeBlock(Token opening, String endTag) {
        nextTerminator(opening, endTag);
        expect(Kind.BLOCK_END, "'%}'");
    }

    /** A name, a tuple of names (optionally parenthesized) or, where allowed, {@code name.attribute}. */
    private Expression parseAssignTarget(boolean allowAttribute) {
        Token start = peek();
        boolean parenthesized = acceptOperator("(");
        List<Expression> names = new ArrayList<>();
        do {
            Token name = expect(Kind.NAME, "a variable name");
            if (allowAttribute && !parenthesized && acceptOperator(".")) {
                Token attribute = expect(Kind.NAME, "an attribute name");
                names.add(new Attribute(name.offset(), new Name(name.offset(), name.value()), attribute.value()));
            } else {
                names.add(new Name(name.offset(), name.value()));
            }
        } while (acceptOperator(",") && peek().kind() == Kind.NAME);
        if (parenthesized) {
            expectOperator(")");
        }
        if (names.size() == 1 && !parenthesized) {
            return names.getFirst();
        }
        if (names.stream().anyMatch(Attribute.class::isInstance)) {
            throw error("Cannot unpack into an attribute", start);
        }
        return new TupleLiteral(start.offset(), List.copyOf(names));
    }

    private List<FilterCall> parseFilterChain() {
        List<FilterCall> filters = new ArrayList<>();
        do {
            filters.add(parseFilterCall());
        } while (acceptOperator("|"));
        return List.copyOf(filters);
    }

    private FilterCall parseFilterCall() {
        Token name = expect(Kind.NAME, "a filter name");
        List<Argument> arguments = peek().isOperator("(") ? parseArguments() : List.of();
        return new FilterCall(name.offset(), name.value(), arguments);
    }

    // ---- expressions ----

    /** An expression, or an unparenthesized tuple such as {@code a, b}. */
    private Expression parseTupleOrExpression() {
        Token start = peek();
        Expression first = parseExpression();
        if (!peek().isOperator(",")) {
            return first;
        }
        List<Expression> items = new ArrayList<>(List.of(first));
        while (acceptOperator(",") && peek().kind() != Kind.BLOCK_END) {
            items.add(parseExpression());
        }
        return new TupleLiteral(start.offset(), List.copyOf(items));
    }

    private Expression parseExpression() {
        Expression expression = parseOr();
        while (peek().isName("if")) {
            Token keyword = next();
            Expression condition = parseOr();
            Expression otherwise = acceptName("else") ? parseExpression() : null;
            expression = new Conditional(keyword.offset(), condition, expression, otherwise);
        }
        return expression;
    }

    private Expression parseOr() {
        Expression left = parseAnd();
        while (peek().isName("or")) {
            Token operator = next();
            left = new Binary(operator.offset(), BinaryOperator.OR, left, parseAnd());
        }
        return left;
    }

    private Expression parseAnd() {
        Expression left = parseNot();
        while (peek().isName("and")) {
            Token operator = next();
            left = new Binary(operator.offset(), BinaryOperator.AND, left, parseNot());
        }
        return left;
    }

    private Expression parseNot() {
        if (peek().isName("not")) {
            Token operator = next();
            return new Not(operator.offset(), parseNot());
        }
        return parseCompare();
    }

    private Expression parseCompare() {
        Expression first = parseAdditive();
        List<Comparison> rest = new ArrayList<>();
        while (true) {
            CompareOperator operator = compareOperator();
            if (operator == null) {
                break;
            }
            rest.add(new Comparison(operator, parseAdditive()));
        }
        return rest.isEmpty() ? first : new Compare(first.offset(), first, List.copyOf(rest));
    }

    /** Consumes and returns a comparison operator, or returns null when none comes next. */
    private CompareOperator compareOperator() {
        Token token = peek();
        if (token.isName("in")) {
            next();
            return CompareOperator.IN;
        }
        if (token.isName("not") && peek(1).isName("in")) {
            next();
            next();
            return CompareOperator.NOT_IN;
        }
        if (token.kind() != Kind.OPERATOR) {
            return null;
        }
        CompareOperator operator = switch (token.value()) {
            case "==" -> CompareOperator.EQUAL;
            case "!=" -> CompareOperator.NOT_EQUAL;
            case "<" -> CompareOperator.LESS;
            case "<=" -> CompareOperator.LESS_OR_EQUAL;
            case ">" -> CompareOperator.GREATER;
            case ">=" -> CompareOperator.GREATER_OR_EQUAL;
            default -> null;
        };
        if (operator != null) {
            next();
        }
        return operator;
    }

    private Expression parseAdditive() {
        Expression left = parseConcat();
        while (peek().isOperator("+") || peek().isOperator("-")) {
            Token operator = next();
            BinaryOperator kind = operator.value().equals("+") ? BinaryOperator.ADD : BinaryOperator.SUBTRACT;
            left = new Binary(operator.offset(), kind, left, parseConcat());
        }
        return left;
    }

    private Expression parseConcat() {
        Expression left = parseMultiplicative();
        while (peek().isOperator("~")) {
            Token operator = next();
            left = new Binary(operator.offset(), BinaryOperator.CONCAT, left, parseMultiplicative());
        }
        return left;
    }

    private Expression parseMultiplicative() {
        Expression left = parsePower();
        while (true) {
            BinaryOperator kind = switch (peek().kind() == Kind.OPERATOR ? peek().value() : "") {
                case "*" -> BinaryOperator.MULTIPLY;
                case "/" -> BinaryOperator.DIVIDE;
                case "//" -> BinaryOperator.FLOOR_DIVIDE;
                case "%" -> BinaryOperator.MODULO;
                default -> null;
            };
            if (kind == null) {
                return left;
            }
            Token operator = next();
            left = new Binary(operator.offset(), kind, left, parsePower());
        }
    }

    private Expression parsePower() {
        Expression left = parseUnary(true);
        while (peek().isOperator("**")) {
            Token operator = next();
            left = new Binary(operator.offset(), BinaryOperator.POWER, left, parseUnary(true));
        }
        return left;
    }

    /** As in Jinja, a sign applies before filters: {@code -x|abs} is {@code (-x)|abs}. */
    private Expression parseUnary(boolean withFilters) {
        Token token = peek();
        Expression expression;
        if (token.isOperator("-") || token.isOperator("+")) {
            next();
            expression = new Sign(token.offset(), token.value().equals("-"), parseUnary(false));
        } else {
            expression = parsePostfix(parsePrimary());
        }
        return withFilters ? parseFiltersAndTests(expression) : expression;
    }

    private Expression parsePrimary() {
        Token token = next();
        return switch (token.kind()) {
            case NAME -> switch (token.value()) {
                case "true", "True" -> new Literal(token.offset(), Boolean.TRUE);
                case "false", "False" -> new Literal(token.offset(), Boolean.FALSE);
                case "none", "None" -> new Literal(token.offset(), null);
                default -> new Name(token.offset(), token.value());
            };
            case STRING -> {
                StringBuilder value = new StringBuilder(token.value());
                while (peek().kind() == Kind.STRING) {
                    value.append(next().value());
                }
                yield new Literal(token.offset(), value.toString());
            }
            case INTEGER -> new Literal(token.offset(), parseInteger(token));
            case FLOAT -> new Literal(token.offset(), Double.parseDouble(token.value()));
            case OPERATOR -> switch (token.value()) {
                case "(" -> parseParenthesized(token);
                case "[" -> new ListLiteral(token.offset(), parseSequence("]"));
                case "{" -> parseDict(token);
                default -> throw error("Unexpected " + token.describe(), token);
            };
            default -> throw error("Unexpected " + token.describe(), token);
        };
    }

    private Long parseInteger(Token token) {
        try {
            return Long.parseLong(token.value());
        } catch (NumberFormatException e) {
            throw error("Integer literal out of range", token);
        }
    }

    private Expression parseParenthesized(Token open) {
        if (acceptOperator(")")) {
            return new TupleLiteral(open.offset(), List.of());
        }
        Expression first = parseExpression();
        if (acceptOperator(")")) {
            return first;
        }
        List<Expression> items = new ArrayList<>(List.of(first));
        while (acceptOperator(",") && !peek().isOperator(")")) {
            items.add(parseExpression());
        }
        expectOperator(")");
        return new TupleLiteral(open.offset(), List.copyOf(items));
    }

    /** Comma-separated expressions up to {@code close}; a trailing comma is allowed. */
    private List<Expression> parseSequence(String close) {
        List<Expression> items = new ArrayList<>();
        while (!acceptOperator(close)) {
            if (!items.isEmpty()) {
                expectOperator(",");
                if (acceptOperator(close)) {
                    break;
                }
            }
            items.add(parseExpression());
        }
        return List.copyOf(items);
    }

    private DictLiteral parseDict(Token open) {
        List<Entry> entries = new ArrayList<>();
        while (!acceptOperator("}")) {
            if (!entries.isEmpty()) {
                expectOperator(",");
                if (acceptOperator("}")) {
                    break;
                }
            }
            Expression key = parseExpression();
            expectOperator(":");
            entries.add(new Entry(key, parseExpression()));
        }
        return new DictLiteral(open.offset(), List.copyOf(entries));
    }

    private Expression parsePostfix(Expression expression) {
        while (true) {
            Token token = peek();
            if (token.isOperator(".")) {
                next();
                Token name = next();
                if (name.kind() == Kind.NAME) {
                    expression = new Attribute(name.offset(), expression, name.value());
                } else if (name.kind() == Kind.INTEGER) {
                    expression = new Item(name.offset(), expression, new Literal(name.offset(), parseInteger(name)));
                } else {
                    throw error("Expected an attribute name after '.'", name);
                }
            } else if (token.isOperator("[")) {
                next();
                expression = parseSubscript(token, expression);
            } else if (token.isOperator("(")) {
                expression = new Call(expression.offset(), expression, parseArguments());
            } else {
                return expression;
            }
        }
    }

    private Expression parseSubscript(Token open, Expression object) {
        Expression[] parts = new Expression[3];
        int part = 0;
        boolean slice = false;
        while (!acceptOperator("]")) {
            if (acceptOperator(":")) {
                slice = true;
                if (++part > 2) {
                    throw error("A slice has at most three parts", open);
                }
            } else if (parts[part] == null) {
                parts[part] = parseExpression();
            } else {
                throw error("Expected ':' or ']' in subscript", peek());
            }
        }
        if (slice) {
            return new Slice(open.offset(), object, parts[0], parts[1], parts[2]);
        }
        if (parts[0] == null) {
            throw error("Empty subscript", open);
        }
        return new Item(open.offset(), object, parts[0]);
    }

    private List<Argument> parseArguments() {
        expectOperator("(");
        List<Argument> arguments = new ArrayList<>();
        while (!acceptOperator(")")) {
            if (!arguments.isEmpty()) {
                expectOperator(",");
                if (acceptOperator(")")) {
                    break;
                }
            }
            if (acceptOperator("**")) {
                arguments.add(new KeywordSpread(parseExpression()));
            } else if (acceptOperator("*")) {
                arguments.add(new Spread(parseExpression()));
            } else if (peek().kind() == Kind.NAME && peek(1).isOperator("=")) {
                String name = next().value();
                next();
                arguments.add(new Keyword(name, parseExpression()));
            } else {
                Token start = peek();
                if (arguments.stream().anyMatch(a -> a instanceof Keyword || a instanceof KeywordSpread)) {
                    throw error("Positional argument follows keyword argument", start);
                }
                arguments.add(new Positional(parseExpression()));
            }
        }
        return List.copyOf(arguments);
    }

    /** Filters ({@code | name(args)}) and tests ({@code is [not] name args}), left to right. */
    private Expression parseFiltersAndTests(Expression expression) {
        while (true) {
            Token token = peek();
            if (token.isOperator("|")) {
                next();
                FilterCall filter = parseFilterCall();
                expression = new Filter(filter.offset(), expression, filter);
            } else if (token.isName("is")) {
                next();
                boolean negated = acceptName("not");
                Token name = expect(Kind.NAME, "a test name");
                expression = new Test(name.offset(), expression, name.value(), parseTestArguments(), negated);
            } else {
                return expression;
            }
        }
    }

    /** {@code is divisibleby(3)} or the single bare argument of {@code is divisibleby 3}. */
    private List<Argument> parseTestArguments() {
        Token token = peek();
        if (token.isOperator("(")) {
            return parseArguments();
        }
        boolean startsArgument = switch (token.kind()) {
            case STRING, INTEGER, FLOAT -> true;
            case NAME -> !TEST_ARGUMENT_STOPS.contains(token.value());
            case OPERATOR -> token.value().equals("[") || token.value().equals("{");
            default -> false;
        };
        return startsArgument ? List.of(new Positional(parsePostfix(parsePrimary()))) : List.of();
    }

    // ---- token helpers ----

    private Token peek() {
        return peek(0);
    }

    /** The token {@code ahead} positions on; the lexer's final END token repeats past the end. */
    private Token peek(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token token = peek();
        if (token.kind() != Kind.END) {
            index++;
        }
        return token;
    }

    private Token expect(Kind kind, String what) {
        Token token = peek();
        if (token.kind() != kind) {
            throw error("Expected " + what + " but found " + token.describe(), token);
        }
        return next();
    }

    private void expectOperator(String symbol) {
        if (!acceptOperator(symbol)) {
            throw error("Expected '" + symbol + "' but found " + peek().describe(), peek());
        }
    }

    private void expectName(String name) {
        if (!acceptName(name)) {
            throw error("Expected '" + name + "' but found " + peek().describe(), peek());
        }
    }

    private boolean acceptOperator(String symbol) {
        if (peek().isOperator(symbol)) {
            next();
            return true;
        }
        return false;
    }

    private boolean acceptName(String name) {
        if (peek().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private TemplateException error(String problem, Token at) {
        return TemplateException.at(problem, source, at.offset());
    }
}
