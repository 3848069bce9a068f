package io.localgate.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.SharedModels;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tokens the trie walk allows are exactly those whose text the grammar accepts next, token by token
 * (checked against feeding every token of a real vocabulary to a copy of the matcher), in states with a
 * character left unfinished by the previous token too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenMaskTest {

    static final String JSON = """
            root   ::= object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws
            object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
            array  ::= "[" ws ( value ("," ws value)* )? "]" ws
            string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\\"" ws
            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
            ws ::= | " " | "\\n" [ \\t]{0,20}
            """;

    private static final String[] PREFIXES = {"", "{\"na", "{\"name\": \"J", "{\"a\": [1, tr", "{\"a\": {\"b\": 12"};

    /** Vocabularies are slow to load: each is loaded once for the class. */
    private final Map<String, Tokenizer> tokenizers = new HashMap<>();
    private final Map<String, TokenTrie> tries = new HashMap<>();

    private Tokenizer tokenizer(String vocabFile) throws IOException {
        if (!tokenizers.containsKey(vocabFile)) {
            try (GgufFile file = GgufFile.open(SharedModels.vocab(vocabFile))) {
                tokenizers.put(vocabFile, Tokenizers.fromGguf(file.metadata()));
            }
        }
        return tokenizers.get(vocabFile);
    }

    private TokenTrie trie(String vocabFile) throws IOException {
        if (!tries.containsKey(vocabFile)) tries.put(vocabFile, TokenTrie.of(tokenizer(vocabFile)));
        return tries.get(vocabFile);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-bpe.gguf", "ggml-vocab-llama-spm.gguf"})
    void allowedTokensAreExactlyThoseTheGrammarAccepts(String vocabFile) throws IOException {
        Tokenizer tokenizer = tokenizer(vocabFile);
        TokenTrie trie = trie(vocabFile);
        Grammar grammar = Grammar.parse(JSON);
        for (String prefix : PREFIXES) {
            var matcher = new GrammarMatcher(grammar, trie);
            assertThat(matcher.acceptText(prefix)).as(prefix).isTrue();
            compare(tokenizer, trie, matcher, prefix);
        }
        // a two-byte character cut after its first byte, as a byte-fallback or BPE token leaves it
        var split = new GrammarMatcher(grammar, trie);
        assertThat(split.acceptText("{\"é\": \"")).isTrue();
        assertThat(split.acceptBytes(new byte[] {"é".getBytes(StandardCharsets.UTF_8)[0]})).isTrue();
        compare(tokenizer, trie, split, "{\"é\": \"<first byte of é>");
    }

    private static void compare(Tokenizer tokenizer, TokenTrie trie, GrammarMatcher matcher, String where) {
        int[] out = new int[tokenizer.vocabSize()];
        int n = matcher.allowedTokens(out);
        var fromTrie = new TreeSet<Integer>();
        for (int i = 0; i < n; i++) assertThat(fromTrie.add(out[i])).as("token %d listed once", out[i]).isTrue();
        var bruteForce = new TreeSet<Integer>();
        for (int token = 0; token < tokenizer.vocabSize(); token++) {
            if (tokenizer.isEndOfGeneration(token)) {
                if (matcher.canEnd()) bruteForce.add(token);
                continue;
            }
            byte[] piece = tokenizer.isControl(token) ? new byte[0] : tokenizer.piece(token, false);
            if (piece.length == 0 || piece[0] == 0) continue;
            if (matcher.copy().acceptBytes(piece)) bruteForce.add(token);
        }
        assertThat(fromTrie).as("after %s", where).isEqualTo(bruteForce);
        assertThat(bruteForce).as("after %s", where).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-bpe.gguf"})
    void endOfGenerationOnlyOnceTheGrammarIsComplete(String vocabFile) throws IOException {
        Tokenizer tokenizer = tokenizer(vocabFile);
        var matcher = new GrammarMatcher(Grammar.parse(JSON), trie(vocabFile));
        int[] out = new int[tokenizer.vocabSize()];
        matcher.acceptText("{\"a\": 1");
        assertThat(Arrays.stream(out, 0, matcher.allowedTokens(out)).anyMatch(tokenizer::isEndOfGeneration)).isFalse();
        matcher.acceptText("}");
        int n = matcher.allowedTokens(out);
        assertThat(Arrays.stream(out, 0, n).anyMatch(tokenizer::isEndOfGeneration)).isTrue();
        // whitespace may still follow, but nothing else
        for (int i = 0; i < n; i++) {
            if (tokenizer.isEndOfGeneration(out[i])) continue;
            assertThat(new String(tokenizer.piece(out[i], false), StandardCharsets.UTF_8)).as("token %d %s", out[i], Arrays.toString(tokenizer.piece(out[i], false))).isBlank();
        }
        int eos = tokenizer.eos();
        matcher.accept(eos);
        assertThat(matcher.allowedTokens(out)).isZero();
    }
}
