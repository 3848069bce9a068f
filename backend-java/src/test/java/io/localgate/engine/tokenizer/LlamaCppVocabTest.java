package io.localgate.engine.tokenizer;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.SharedModels;
import io.localgate.engine.gguf.GgufFile;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's own tokenizer test vectors ({@code tests/test-tokenizer-0.cpp}): every text of
 * {@code NAME.gguf.inp} must give the ids of the same line of {@code NAME.gguf.out}, tokenized without
 * BOS/EOS and without parsing special tokens.
 */
class LlamaCppVocabTest {

    static final List<String> VOCABULARIES = List.of("llama-spm", "phi-3", "llama-bpe", "qwen2", "qwen35", "gpt-2",
            "deepseek-coder", "deepseek-llm", "falcon", "mpt", "refact", "starcoder", "bert-bge");

    @TestFactory
    Stream<DynamicContainer> everyTestVectorOfEveryVocabulary() {
        return VOCABULARIES.stream().map(name -> {
            Path vocab = SharedModels.vocab("ggml-vocab-" + name + ".gguf");
            Tokenizer tokenizer = load(vocab);
            Map<String, int[]> cases = readCases(vocab);
            return DynamicContainer.dynamicContainer(name, cases.entrySet().stream().map(c ->
                    DynamicTest.dynamicTest(describe(c.getKey()), () ->
                            assertThat(tokenizer.encode(c.getKey(), false, false))
                                    .as("tokens of %s", describe(c.getKey()))
                                    .containsExactly(c.getValue()))));
        });
    }

    static Tokenizer load(Path path) {
        try (GgufFile file = GgufFile.open(path)) {
            return Tokenizers.fromGguf(file.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The texts and expected ids, split exactly as test-tokenizer-0.cpp splits them (a repeated text counts once). */
    static Map<String, int[]> readCases(Path vocab) {
        try {
            String input = Files.readString(Path.of(vocab + ".inp"), StandardCharsets.UTF_8);
            List<String> expected = Files.readAllLines(Path.of(vocab + ".out"), StandardCharsets.UTF_8);
            String separator = "\n__ggml_vocab_test__\n";
            List<String> texts = new ArrayList<>();
            int pos = 0;
            while (pos < input.length()) {
                int next = input.indexOf(separator, pos);
                if (next < 0) {
                    texts.add(input.substring(pos));
                    break;
                }
                texts.add(input.substring(pos, next));
                pos = next + separator.length();
            }
            assertThat(texts).hasSameSizeAs(expected);
            Map<String, int[]> cases = new LinkedHashMap<>();
            for (int i = 0; i < texts.size(); i++) {
                String line = expected.get(i).strip();
                int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.put(texts.get(i), ids);
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String describe(String text) {
        var sb = new StringBuilder("'");
        text.codePoints().forEach(c -> {
            if (c < 0x20) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.append("'").toString();
    }
}
