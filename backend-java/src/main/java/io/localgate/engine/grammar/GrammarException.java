package io.localgate.engine.grammar;

/** A GBNF grammar that does not parse, or that the matcher cannot run (an undefined rule, left recursion). */
public final class GrammarException extends IllegalArgumentException {

    private final int line;
    private final int column;

    /** @param line 1-based, or 0 when the fault has no one place */
    GrammarException(String message, int line, int column) {
        super(line > 0 ? "grammar error at line " + line + ", column " + column + ": " + message : "grammar error: " + message);
        this.line = line;
        this.column = column;
    }

    /** 1-based; 0 when the fault has no one place. */
    public int line() {
        return line;
    }

    /** 1-based, in code points. */
    public int column() {
        return column;
    }
}
