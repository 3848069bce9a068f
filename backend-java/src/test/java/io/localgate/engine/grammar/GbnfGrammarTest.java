package io.localgate.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The GBNF language of llama.cpp's grammars/README.md, checked by what whole texts a grammar accepts. */
class GbnfGrammarTest {

    private static boolean matches(String gbnf, String text) {
        var matcher = new GrammarMatcher(Grammar.parse(gbnf), null);
        return matcher.acceptText(text) && matcher.canEnd();
    }

    @Test
    void literalsAndEscapes() {
        String g = "root ::= \"a\\\"b\\\\c\\n\\t\\x41\\u00e9\\U0001F600\"";
        assertThat(matches(g, "a\"b\\c\n\tAé😀")).isTrue();
        assertThat(matches(g, "a\"b\\c\n\tAé")).isFalse();
        assertThat(matches("root ::= \"héllo 世界\"", "héllo 世界")).isTrue();
        assertThat(matches("root ::= \"\"", "")).isTrue();
        assertThat(matches("root ::= \"\"", "x")).isFalse();
    }

    @Test
    void characterClassesRangesNegationAndDot() {
        String g = "root ::= [a-cx] [^0-9\\]] . [\\-\\]]";
        assertThat(matches(g, "b!é-")).isTrue();
        assertThat(matches(g, "x]a]")).isFalse(); // ']' is excluded in the second class
        assertThat(matches(g, "d!a-")).isFalse();
        assertThat(matches(g, "a5a-")).isFalse();
        assertThat(matches(g, "a!😀]")).isTrue();
        assertThat(matches("root ::= [^\"]+", "ab")).isTrue();
        assertThat(matches("root ::= [^\"]+", "a\"b")).isFalse();
    }

    @Test
    void alternativesGroupsAndRuleReferences() {
        String g = """
                # a comment
                root ::= greeting (" " name)?   # trailing comment
                greeting ::= "hi" | "hello"
                name ::= (
                    "bob"
                  | "alice"
                )
                """;
        assertThat(matches(g, "hi")).isTrue();
        assertThat(matches(g, "hello alice")).isTrue();
        assertThat(matches(g, "hello bob")).isTrue();
        assertThat(matches(g, "hello ")).isFalse();
        assertThat(matches(g, "hey bob")).isFalse();
    }

    @Test
    void repetitions() {
        assertThat(matches("root ::= \"a\"*", "")).isTrue();
        assertThat(matches("root ::= \"a\"*", "aaaa")).isTrue();
        assertThat(matches("root ::= \"a\"+", "")).isFalse();
        assertThat(matches("root ::= \"ab\"+", "ababab")).isTrue();
        assertThat(matches("root ::= \"ab\"+", "aba")).isFalse();
        assertThat(matches("root ::= \"a\"? \"b\"", "b")).isTrue();
        assertThat(matches("root ::= \"a\"? \"b\"", "ab")).isTrue();
        assertThat(matches("root ::= \"a\"? \"b\"", "aab")).isFalse();
        for (int n = 0; n <= 6; n++) {
            String text = "x".repeat(n);
            assertThat(matches("root ::= [x]{3}", text)).as("{3} on %d", n).isEqualTo(n == 3);
            assertThat(matches("root ::= [x]{2,}", text)).as("{2,} on %d", n).isEqualTo(n >= 2);
            assertThat(matches("root ::= [x]{2,4}", text)).as("{2,4} on %d", n).isEqualTo(n >= 2 && n <= 4);
            assertThat(matches("root ::= [x]{0,2}", text)).as("{0,2} on %d", n).isEqualTo(n <= 2);
            assertThat(matches("root ::= ([x] \"-\"){1,2}", "x-".repeat(n))).as("group {1,2} on %d", n).isEqualTo(n >= 1 && n <= 2);
        }
    }

    @Test
    void recursiveRulesThatConsumeFirstAreFine() {
        String g = """
                root ::= value
                value ::= "[" ( value ("," value)* )? "]" | [0-9]+
                """;
        assertThat(matches(g, "[1,[2,[]],33]")).isTrue();
        assertThat(matches(g, "[1,[2,[]],33")).isFalse();
    }

    @Test
    void matchesIncrementallyCharacterByCharacter() {
        var matcher = new GrammarMatcher(Grammar.parse("root ::= \"{\" [a-z]+ \"}\""), null);
        assertThat(matcher.canEnd()).isFalse();
        assertThat(matcher.acceptText("{")).isTrue();
        assertThat(matcher.acceptText("ab")).isTrue();
        assertThat(matcher.canEnd()).isFalse();
        assertThat(matcher.acceptText("}")).isTrue();
        assertThat(matcher.canEnd()).isTrue();
        assertThat(matcher.acceptText("x")).isFalse();
        assertThat(matcher.alive()).isFalse();
    }

    @Test
    void aCharacterSplitAcrossPiecesIsHeldUntilComplete() {
        var matcher = new GrammarMatcher(Grammar.parse("root ::= \"é\" [a]"), null);
        byte[] e = "é".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(matcher.acceptBytes(new byte[] {e[0]})).isTrue();
        assertThat(matcher.canEnd()).isFalse();
        assertThat(matcher.acceptBytes(new byte[] {e[1], 'a'})).isTrue();
        assertThat(matcher.canEnd()).isTrue();
        var wrong = new GrammarMatcher(Grammar.parse("root ::= \"é\""), null);
        assertThat(wrong.acceptBytes(new byte[] {(byte) 0xE4})).isFalse(); // no character starting so matches
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"\nfoo ::= [a-"))
                .isInstanceOf(GrammarException.class)
                .hasMessageContaining("line 2, column 9").hasMessageContaining("unterminated character class");
        assertThatThrownBy(() -> Grammar.parse("root := \"a\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1, column 6").hasMessageContaining("::=");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"a\\q\""))
                .hasMessageContaining("unknown escape").hasMessageContaining("column 12");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"abc"))
                .hasMessageContaining("unterminated string literal").hasMessageContaining("column 10");
        assertThatThrownBy(() -> Grammar.parse("root ::= (\"a\" | \"b\""))
                .hasMessageContaining("expecting ')'");
        assertThatThrownBy(() -> Grammar.parse("root ::= * \"a\""))
                .hasMessageContaining("expecting an item before");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"{3,2}"))
                .hasMessageContaining("maximum below its minimum");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"{2001}"))
                .hasMessageContaining("repetition count above 2000");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"a\" \"b\" ]"))
                .hasMessageContaining("expecting a newline or the end");
        assertThatThrownBy(() -> Grammar.parse("root ::= <[42]>"))
                .hasMessageContaining("token references");
    }

    @Test
    void undefinedRulesAndAMissingRootAreErrors() {
        assertThatThrownBy(() -> Grammar.parse("root ::= item\nitems ::= \"x\""))
                .isInstanceOf(GrammarException.class)
                .hasMessageContaining("undefined rule 'item'").hasMessageContaining("line 1, column 10");
        assertThatThrownBy(() -> Grammar.parse("start ::= \"x\"")).hasMessageContaining("no rule 'root'");
        assertThatThrownBy(() -> Grammar.parse("root ::= \"x\"\nroot ::= \"y\"")).hasMessageContaining("defined twice");
    }

    @Test
    void leftRecursionIsRejectedWithTheRuleName() {
        assertThatThrownBy(() -> Grammar.parse("root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]"))
                .isInstanceOf(GrammarException.class).hasMessageContaining("rule 'expr' is left-recursive");
        // through a rule that can be empty
        assertThatThrownBy(() -> Grammar.parse("root ::= a root \"x\" | \"y\"\na ::= \"\" | \"z\""))
                .hasMessageContaining("rule 'root' is left-recursive");
        // indirect
        assertThatThrownBy(() -> Grammar.parse("root ::= a\na ::= b \"x\"\nb ::= a | \"y\""))
                .hasMessageContaining("left-recursive");
        // right recursion is fine
        assertThat(matches("root ::= \"x\" root | \"y\"", "xxy")).isTrue();
    }
}
