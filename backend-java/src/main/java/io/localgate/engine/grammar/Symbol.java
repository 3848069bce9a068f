package io.localgate.engine.grammar;

/** One element of a rule's alternative: a terminal (one code point of a set) or a reference to a rule. */
sealed interface Symbol {

    record Terminal(CharSet chars) implements Symbol {
    }

    record RuleRef(int rule) implements Symbol {
    }
}
