package io.localgate.engine.tokenizer;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.SharedModels;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's outputs on the test models ({@code reference/MODEL.json}): the prompt tokens with and without
 * BOS, and the greedy continuation decoded back to its text (or bytes).
 */
class ReferenceModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicContainer> everyReferenceCaseOfEveryModel() throws IOException {
        List<Path> references;
        try (Stream<Path> files = Files.list(SharedModels.reference("."))) {
            references = files.filter(p -> p.toString().endsWith(".json"))
                    .filter(p -> !p.getFileName().toString().endsWith(".onnx-f32.json"))
                    .sorted().toList();
        }
        assertThat(references).hasSizeGreaterThanOrEqualTo(15);
        return references.stream().map(reference -> {
            JsonNode root = read(reference);
            Tokenizer tokenizer = LlamaCppVocabTest.load(SharedModels.model(root.get("model").asString()));
            List<DynamicNode> tests = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                String prompt = c.has("prompt") ? c.get("prompt").asString() : c.get("text").asString();
                String name = LlamaCppVocabTest.describe(prompt);
                if (c.has("llama_cpp_error")) {
                    // llama.cpp aborts; this must not (what it returns is tested in TokenizerBehaviourTest)
                    tests.add(DynamicTest.dynamicTest(name + " does not fail", () -> {
                        assertThat(tokenizer.encode(prompt, false, true)).isNotEmpty();
                        assertThat(tokenizer.encode(prompt, true, true)).isNotEmpty();
                    }));
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(name + " tokens", () ->
                        assertThat(tokenizer.encode(prompt, false, true)).containsExactly(ints(c.get("tokens")))));
                tests.add(DynamicTest.dynamicTest(name + " tokens with special", () ->
                        assertThat(tokenizer.encode(prompt, true, true)).containsExactly(ints(c.get("tokens_with_special")))));
                if (c.has("greedy_tokens")) {
                    tests.add(DynamicTest.dynamicTest(name + " greedy continuation decoded", () -> {
                        byte[] decoded = tokenizer.decode(ints(c.get("greedy_tokens")), false);
                        byte[] expected = c.get("greedy_text").isNull()
                                ? HexFormat.of().parseHex(c.get("greedy_hex").asString())
                                : c.get("greedy_text").asString().getBytes(StandardCharsets.UTF_8);
                        assertThat(decoded).isEqualTo(expected);
                    }));
                }
            }
            return DynamicContainer.dynamicContainer(reference.getFileName().toString(), tests);
        });
    }

    @TestFactory
    Stream<DynamicTest> miniLmMatchesTheHuggingFaceTokenizer() {
        JsonNode root = read(SharedModels.reference("all-MiniLM-L6-v2.onnx-f32.json"));
        Tokenizer tokenizer = LlamaCppVocabTest.load(SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            if (!c.has("hf_tokens_with_special")) continue;
            String text = c.get("text").asString();
            tests.add(DynamicTest.dynamicTest(LlamaCppVocabTest.describe(text), () ->
                    assertThat(tokenizer.encode(text, true, true)).containsExactly(ints(c.get("hf_tokens_with_special")))));
        }
        return tests.stream();
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }

    private static JsonNode read(Path path) {
        try {
            return JSON.readTree(Files.readString(path));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
