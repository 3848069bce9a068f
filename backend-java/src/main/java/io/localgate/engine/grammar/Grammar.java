package io.localgate.engine.grammar;

/**
 * A parsed GBNF grammar (the language of llama.cpp's {@code grammars/README.md}), with its groups and
 * repetitions rewritten into rules as llama.cpp does, ready for a {@link GrammarMatcher}. Immutable, so
 * one grammar serves any number of matchers.
 */
public final class Grammar {

    /** Each rule's alternatives, each a sequence of symbols (an empty one matches the empty string). */
    final Symbol[][][] rules;
    final String[] names;
    final int root;

    Grammar(Symbol[][][] rules, String[] names, int root) {
        this.rules = rules;
        this.names = names;
        this.root = root;
    }

    /**
     * Parses a grammar whose start rule is {@code root}.
     *
     * @throws GrammarException naming the line and column of a syntax error, an undefined rule, a missing
     *                          {@code root}, or a left-recursive rule (which the matcher cannot run)
     */
    public static Grammar parse(String gbnf) {
        return new GbnfParser(gbnf).parse();
    }

    /** How many rules, those that groups and repetitions made included. */
    public int ruleCount() {
        return rules.length;
    }
}
