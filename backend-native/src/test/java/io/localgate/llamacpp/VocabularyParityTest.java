package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token ids through llama.cpp against llama.cpp's tokenizer test vectors ({@code shared/models/vocab}:
 * {@code NAME.gguf.inp} texts, {@code NAME.gguf.out} ids, tokenized without special tokens) and the
 * embedding model's reference tokens; and against the {@code java} backend's tokenizer. These check the
 * tokenizer calls of the bridge, and that both backends tokenize alike.
 */
class VocabularyParityTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private final LlamaCppBackend backend = new LlamaCppBackend();

    static Stream<String> vocabularies() throws IOException {
        try (Stream<Path> files = Files.list(SharedModels.dir().resolve("vocab"))) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".gguf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void idsEqualTheTestVectors(String vocabulary) throws Exception {
        List<String> texts = texts(Files.readString(SharedModels.vocab(vocabulary + ".inp")));
        List<String> lines = Files.readAllLines(SharedModels.vocab(vocabulary + ".out"));
        assertThat(texts).hasSameSizeAs(lines);
        try (VocabularyOnly tokenizer = backend.openTokenizer(SharedModels.vocab(vocabulary))) {
            for (int i = 0; i < texts.size(); i++) {
                int[] expected = lines.get(i).isBlank() ? new int[0]
                        : Arrays.stream(lines.get(i).strip().split(" ")).mapToInt(Integer::parseInt).toArray();
                assertThat(tokenizer.encode(texts.get(i), false, false)).as("%s, text %d: '%s'", vocabulary, i, texts.get(i))
                        .containsExactly(expected);
            }
        }
    }

    /** The {@code java} backend's tokenizer gives the same ids, also with special tokens added and parsed. */
    @ParameterizedTest
    @MethodSource("vocabularies")
    void theJavaBackendsTokenizerAgrees(String vocabulary) throws Exception {
        Tokenizer java;
        try (GgufFile file = GgufFile.open(SharedModels.vocab(vocabulary))) {
            Assumptions.assumeTrue(Tokenizers.unsupportedReason(file.metadata()).isEmpty(),
                    () -> "the java backend does not tokenize " + vocabulary + ": " + Tokenizers.unsupportedReason(file.metadata()).get());
            java = Tokenizers.fromGguf(file.metadata());
        }
        List<String> texts = texts(Files.readString(SharedModels.vocab(vocabulary + ".inp")));
        try (VocabularyOnly llama = backend.openTokenizer(SharedModels.vocab(vocabulary))) {
            for (String text : texts) {
                for (boolean addSpecial : new boolean[] {false, true}) {
                    for (boolean parseSpecial : new boolean[] {false, true}) {
                        assertThat(java.encode(text, addSpecial, parseSpecial)).as("%s: '%s' add_special=%s parse_special=%s", vocabulary,
                                text, addSpecial, parseSpecial).containsExactly(llama.encode(text, addSpecial, parseSpecial));
                    }
                }
            }
        }
    }

    @Test
    void embeddingModelTokensEqualTheReference() throws Exception {
        JsonNode reference = JsonMapper.builder().build().readTree(SharedModels.reference("all-MiniLM-L6-v2-Q4_K_M.json").toFile());
        try (VocabularyOnly tokenizer = backend.openTokenizer(SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"))) {
            for (JsonNode c : reference.get("cases")) {
                String text = c.get("text").asString();
                assertThat(tokenizer.encode(text, false, true)).as("tokens of '%s'", text).containsExactly(ints(c.get("tokens")));
                assertThat(tokenizer.encode(text, true, true)).as("tokens with special of '%s'", text)
                        .containsExactly(ints(c.get("tokens_with_special")));
            }
        }
    }

    /** As llama.cpp's test-tokenizer-0 splits the .inp file. */
    private static List<String> texts(String raw) {
        var texts = new ArrayList<String>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(SEPARATOR, pos);
            if (next < 0) {
                texts.add(raw.substring(pos));
                break;
            }
            texts.add(raw.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        return texts;
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }
}
