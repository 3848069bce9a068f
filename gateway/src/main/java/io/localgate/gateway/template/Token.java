package io.localgate.gateway.template;

/** One lexical unit of a template; {@code offset} is its position in the source, for error messages. */
record Token(Kind kind, String value, int offset) {

    enum Kind {
        /** Literal template text, with whitespace control already applied. */
        TEXT,
        /** {@code {%} */
        BLOCK_BEGIN,
        /** {@code %}} */
        BLOCK_END,
        /** {@code {{} */
        VARIABLE_BEGIN,
        /** {@code }}} */
        VARIABLE_END,
        NAME,
        /** A string literal; {@code value} is the unescaped content. */
        STRING,
        INTEGER,
        FLOAT,
        OPERATOR,
        END
    }

    private boolean is(Kind kind, String value) {
        return this.kind == kind && this.value.equals(value);
    }

    boolean isOperator(String symbol) {
        return is(Kind.OPERATOR, symbol);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (kind) {
            case END -> "end of template";
            case TEXT -> "template text";
            case STRING -> "string literal";
            case BLOCK_BEGIN -> "'{%'";
            case BLOCK_END -> "'%}'";
            case VARIABLE_BEGIN -> "'{{'";
            case VARIABLE_END -> "'}}'";
            default -> "'" + value + "'";
        };
    }
}
