package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token ids through llama.cpp against llama.cpp's tokenizer test vectors ({@code shared/models/vocab}:
 * {@code NAME.gguf.inp} texts, {@code NAME.gguf.out} ids, tokenized without special tokens) and the
 * embedding model's reference tokens. These check the tokenizer calls of the bridge.
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
