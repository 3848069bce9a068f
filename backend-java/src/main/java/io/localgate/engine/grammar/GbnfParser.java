package io.localgate.engine.grammar;

import io.localgate.engine.grammar.Symbol.RuleRef;
import io.localgate.engine.grammar.Symbol.Terminal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GBNF text to a {@link Grammar}, after llama.cpp's {@code llama_grammar_parser}: a group becomes a rule of
 * its own, and a repetition {@code S{m,n}} becomes {@code m} copies of {@code S} followed by a chain of
 * optional rules ({@code S' ::= S S'' |}), so the matcher only ever sees rules, terminals and references.
 */
final class GbnfParser {

    /** llama.cpp's bound on a repetition count: both backends reject the same grammars. */
    static final int MAX_REPETITION = 2000;
    private static final int UNBOUNDED = -1;

    private final int[] src;
    private int pos;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    /** The rule each generated one was made for, for messages; a named rule is its own. */
    private final List<String> owners = new ArrayList<>();
    /** Null until defined. */
    private final List<List<Symbol[]>> rules = new ArrayList<>();
    private final Map<Integer, Integer> firstReference = new HashMap<>();

    GbnfParser(String text) {
        this.src = text.codePoints().toArray();
    }

    Grammar parse() {
        skipSpace(true);
        while (pos < src.length) parseRule();
        for (int id = 0; id < rules.size(); id++) {
            if (rules.get(id) == null) throw errorAt(firstReference.get(id), "undefined rule '" + names.get(id) + "'");
        }
        Integer root = ids.get("root");
        if (root == null) throw new GrammarException("the grammar has no rule 'root'", 0, 0);
        var compiled = new Symbol[rules.size()][][];
        for (int id = 0; id < rules.size(); id++) compiled[id] = rules.get(id).toArray(Symbol[][]::new);
        rejectLeftRecursion(compiled);
        return new Grammar(compiled, names.toArray(String[]::new), root);
    }

    private void parseRule() {
        int start = pos;
        String name = parseName();
        int id = symbolId(name, start);
        if (rules.get(id) != null) throw errorAt(start, "rule '" + name + "' is defined twice");
        skipSpace(false);
        if (!(pos + 2 < src.length && src[pos] == ':' && src[pos + 1] == ':' && src[pos + 2] == '=')) throw error("expecting ::=");
        pos += 3;
        skipSpace(true);
        rules.set(id, parseAlternates(name, false));
        if (pos < src.length) {
            if (src[pos] == '\r') {
                pos += pos + 1 < src.length && src[pos + 1] == '\n' ? 2 : 1;
            } else if (src[pos] == '\n') {
                pos++;
            } else {
                throw error("expecting a newline or the end after rule '" + name + "'");
            }
        }
        skipSpace(true);
    }

    private List<Symbol[]> parseAlternates(String ruleName, boolean nested) {
        var alternatives = new ArrayList<Symbol[]>();
        alternatives.add(parseSequence(ruleName, nested));
        while (pos < src.length && src[pos] == '|') {
            pos++;
            skipSpace(true);
            alternatives.add(parseSequence(ruleName, nested));
        }
        return alternatives;
    }

    private Symbol[] parseSequence(String ruleName, boolean nested) {
        var sequence = new ArrayList<Symbol>();
        int lastItem = -1;
        while (pos < src.length) {
            int c = src[pos];
            if (c == '"') {
                int start = pos++;
                lastItem = sequence.size();
                while (true) {
                    if (pos >= src.length) throw errorAt(start, "unterminated string literal");
                    if (src[pos] == '"') break;
                    sequence.add(new Terminal(CharSet.of(parseChar())));
                }
                pos++;
            } else if (c == '[') {
                int start = pos++;
                boolean negated = pos < src.length && src[pos] == '^';
                if (negated) pos++;
                var ranges = new ArrayList<Integer>();
                while (true) {
                    if (pos >= src.length) throw errorAt(start, "unterminated character class");
                    if (src[pos] == ']') break;
                    int low = parseChar();
                    int high = low;
                    if (pos + 1 < src.length && src[pos] == '-' && src[pos + 1] != ']') {
                        pos++;
                        high = parseChar();
                        if (high < low) throw error("character range out of order");
                    }
                    ranges.add(low);
                    ranges.add(high);
                }
                if (ranges.isEmpty() && !negated) throw errorAt(start, "empty character class");
                pos++;
                lastItem = sequence.size();
                sequence.add(new Terminal(new CharSet(ranges.stream().mapToInt(Integer::intValue).toArray(), negated)));
            } else if (c == '<' || c == '!') {
                throw error("token references (<...>, !<...>) are not supported");
            } else if (isWordChar(c)) {
                int start = pos;
                lastItem = sequence.size();
                sequence.add(new RuleRef(symbolId(parseName(), start)));
            } else if (c == '(') {
                int start = pos++;
                skipSpace(true);
                int group = generatedId(ruleName);
                rules.set(group, parseAlternates(ruleName, true));
                if (pos >= src.length || src[pos] != ')') throw errorAt(start, "expecting ')' to close this group");
                pos++;
                lastItem = sequence.size();
                sequence.add(new RuleRef(group));
            } else if (c == '.') {
                pos++;
                lastItem = sequence.size();
                sequence.add(new Terminal(CharSet.any()));
            } else if (c == '*' || c == '+' || c == '?') {
                pos++;
                repeat(sequence, lastItem, c == '+' ? 1 : 0, c == '?' ? 1 : UNBOUNDED, ruleName);
            } else if (c == '{') {
                int start = pos++;
                skipSpace(nested);
                int min = parseInt();
                skipSpace(nested);
                int max;
                if (pos < src.length && src[pos] == ',') {
                    pos++;
                    skipSpace(nested);
                    max = pos < src.length && isDigit(src[pos]) ? parseInt() : UNBOUNDED;
                    skipSpace(nested);
                } else {
                    max = min;
                }
                if (pos >= src.length || src[pos] != '}') throw error("expecting '}'");
                pos++;
                if (max != UNBOUNDED && max < min) throw errorAt(start, "repetition {" + min + "," + max + "} has its maximum below its minimum");
                if (min > MAX_REPETITION || max > MAX_REPETITION) throw errorAt(start, "repetition count above " + MAX_REPETITION);
                repeatAt(sequence, lastItem, min, max, ruleName, start);
            } else {
                break;
            }
            skipSpace(nested);
        }
        return sequence.toArray(Symbol[]::new);
    }

    private void repeat(List<Symbol> sequence, int lastItem, int min, int max, String ruleName) {
        repeatAt(sequence, lastItem, min, max, ruleName, pos - 1);
    }

    /** Rewrites the last item {@code S} into {@code S{min,max}} (llama.cpp's rewrite, see the class comment). */
    private void repeatAt(List<Symbol> sequence, int lastItem, int min, int max, String ruleName, int at) {
        if (lastItem < 0) throw errorAt(at, "expecting an item before */+/?/{");
        var item = List.copyOf(sequence.subList(lastItem, sequence.size()));
        sequence.subList(lastItem, sequence.size()).clear();
        for (int i = 0; i < min; i++) sequence.addAll(item);
        boolean unbounded = max == UNBOUNDED;
        int optional = unbounded ? 1 : max - min;
        int last = -1;
        for (int i = 0; i < optional; i++) {
            int id = generatedId(ruleName);
            var once = new ArrayList<>(item);
            if (unbounded) once.add(new RuleRef(id));
            else if (i > 0) once.add(new RuleRef(last));
            rules.set(id, List.of(once.toArray(Symbol[]::new), new Symbol[0]));
            last = id;
        }
        if (optional > 0) sequence.add(new RuleRef(last));
    }

    private int parseChar() {
        if (src[pos] != '\\') return src[pos++];
        if (pos + 1 >= src.length) throw error("unexpected end after '\\'");
        int escape = src[pos + 1];
        int start = pos;
        pos += 2;
        return switch (escape) {
            case 'x' -> parseHex(2, start);
            case 'u' -> parseHex(4, start);
            case 'U' -> parseHex(8, start);
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'n' -> '\n';
            case '\\', '"', '[', ']', '-' -> escape;
            default -> throw errorAt(start, "unknown escape '\\" + Character.toString(escape) + "'");
        };
    }

    private int parseHex(int digits, int start) {
        int value = 0;
        for (int i = 0; i < digits; i++) {
            int digit = pos < src.length ? Character.digit(src[pos], 16) : -1;
            if (digit < 0) throw errorAt(start, "expecting " + digits + " hex digits");
            value = value << 4 | digit;
            pos++;
        }
        if (value < 0 || value > Character.MAX_CODE_POINT) throw errorAt(start, "code point out of range");
        return value;
    }

    private int parseInt() {
        int start = pos;
        long value = 0;
        while (pos < src.length && isDigit(src[pos])) {
            value = Math.min(value * 10 + (src[pos] - '0'), Integer.MAX_VALUE);
            pos++;
        }
        if (pos == start) throw error("expecting an integer");
        return (int) value;
    }

    private String parseName() {
        int start = pos;
        while (pos < src.length && isWordChar(src[pos])) pos++;
        if (pos == start) throw error("expecting a rule name");
        return new String(src, start, pos - start);
    }

    private void skipSpace(boolean newlineOk) {
        while (pos < src.length) {
            int c = src[pos];
            if (c == '#') {
                while (pos < src.length && src[pos] != '\r' && src[pos] != '\n') pos++;
            } else if (c == ' ' || c == '\t' || (newlineOk && (c == '\r' || c == '\n'))) {
                pos++;
            } else {
                return;
            }
        }
    }

    private int symbolId(String name, int at) {
        Integer id = ids.get(name);
        if (id == null) {
            id = newRule(name, name);
            ids.put(name, id);
        }
        firstReference.putIfAbsent(id, at);
        return id;
    }

    private int generatedId(String owner) {
        return newRule(owner + "_" + names.size(), owner);
    }

    private int newRule(String name, String owner) {
        names.add(name);
        owners.add(owner);
        rules.add(null);
        return rules.size() - 1;
    }

    /**
     * A rule that can reach itself before consuming a character would loop forever in the matcher: found as a
     * cycle among "leftmost" references, where a reference is leftmost when everything before it in its
     * alternative can match the empty string.
     */
    private void rejectLeftRecursion(Symbol[][][] grammar) {
        boolean[] nullable = new boolean[grammar.length];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < grammar.length; r++) {
                if (nullable[r]) continue;
                for (Symbol[] alternative : grammar[r]) {
                    if (allNullable(alternative, alternative.length, nullable)) {
                        nullable[r] = changed = true;
                        break;
                    }
                }
            }
        }
        byte[] state = new byte[grammar.length]; // 0 new, 1 on the path, 2 done
        for (int r = 0; r < grammar.length; r++) {
            if (state[r] == 0) visitLeftmost(grammar, r, nullable, state);
        }
    }

    private void visitLeftmost(Symbol[][][] grammar, int rule, boolean[] nullable, byte[] state) {
        state[rule] = 1;
        for (Symbol[] alternative : grammar[rule]) {
            for (int i = 0; i < alternative.length; i++) {
                if (!(alternative[i] instanceof RuleRef(int next))) break;
                if (state[next] == 1) {
                    throw new GrammarException("rule '" + owners.get(next) + "' is left-recursive (it can reach itself without consuming input)"
                            + "; rewrite it with repetition, e.g. 'list ::= item (\",\" item)*'", 0, 0);
                }
                if (state[next] == 0) visitLeftmost(grammar, next, nullable, state);
                if (!nullable[next]) break;
            }
        }
        state[rule] = 2;
    }

    private static boolean allNullable(Symbol[] symbols, int count, boolean[] nullable) {
        for (int i = 0; i < count; i++) {
            if (!(symbols[i] instanceof RuleRef(int rule)) || !nullable[rule]) return false;
        }
        return true;
    }

    private GrammarException error(String message) {
        return errorAt(pos, message);
    }

    private GrammarException errorAt(int at, String message) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(at, src.length); i++) {
            if (src[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new GrammarException(message, line, column);
    }

    private static boolean isWordChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || isDigit(c);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
