package io.localgate.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.engine.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every supported text model in the shared models meets llama.cpp's reference outputs: the top-5 logits
 * after the prompt within 1e-2, and the greedy continuation token for token, decoded one row per step
 * through the KV cache.
 */
class ConformanceTest {

    static final List<String> MODELS = List.of(
            "stories260K.gguf", "stories260K-f16.gguf", "stories260K-bf16.gguf", "stories260K-q8_0.gguf",
            "stories260K-q4_0.gguf", "TinyStories-656K-Q8_0.gguf", "llama-2-tiny-random.gguf",
            "synth-llama3-q8_0.gguf", "synth-qwen2-q4_0.gguf", "synth-llama-spm-f16.gguf",
            "stories260K-q4_1.gguf", "stories260K-q4_k_m.gguf", "TinyStories-656K-Q2_K.gguf", "synth-llama-spm-q4_k_m.gguf");

    static Stream<Arguments> cases() throws IOException {
        var mapper = new ObjectMapper();
        var cases = new ArrayList<Arguments>();
        for (String model : MODELS) {
            JsonNode reference = mapper.readTree(Files.readString(SharedModels.reference(model.replace(".gguf", ".json"))));
            for (JsonNode c : reference.get("cases")) {
                if (c.has("llama_cpp_error") || !c.has("greedy_tokens")) continue;
                cases.add(Arguments.of(model, Named.of("\"" + c.get("prompt").asString() + "\"", c)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesLlamaCpp(String model, JsonNode reference) {
        int[] prompt = ints(reference.get("tokens_with_special"));
        int[] expectedGreedy = ints(reference.get("greedy_tokens"));
        try (var m = new LoadedTransformer(model, 1, 1, 512, 512, 1)) {
            var batch = new Batch(512);
            for (int i = 0; i < prompt.length; i++) batch.add(prompt[i], i, 0, i == prompt.length - 1);
            Logits logits = m.transformer.forward(batch, m.cache);

            JsonNode top = reference.get("top_logits");
            int[] ourTop5 = topIds(logits, 5);
            List<Integer> expectedIds = new ArrayList<>();
            for (JsonNode entry : top) {
                int id = entry.get(0).asInt();
                expectedIds.add(id);
                assertThat(logits.get(0, id)).as("logit of token %d", id).isCloseTo(entry.get(1).floatValue(), within(1e-2f));
            }
            assertThat(Arrays.stream(ourTop5).boxed().toList()).as("top-5 ids").containsExactlyInAnyOrderElementsOf(expectedIds);

            var generated = new ArrayList<Integer>();
            for (int step = 0; step < expectedGreedy.length; step++) {
                int token = LoadedTransformer.argmax(logits, 0);
                if (token != expectedGreedy[step]) {
                    int[] best = topIds(logits, 2);
                    System.out.printf("MISMATCH %s %s step %d: ours %d (%.6f), expected %d (%.6f), our margin %.6f%n",
                            model, reference.get("prompt"), step, token, logits.get(0, token), expectedGreedy[step],
                            logits.get(0, expectedGreedy[step]), logits.get(0, best[0]) - logits.get(0, best[1]));
                }
                generated.add(token);
                if (step == expectedGreedy.length - 1) break;
                batch.clear();
                batch.add(token, prompt.length + step, 0, true);
                logits = m.transformer.forward(batch, m.cache);
            }
            assertThat(generated).as("greedy tokens").containsExactlyElementsOf(Arrays.stream(expectedGreedy).boxed().toList());
        }
    }

    static int[] topIds(Logits logits, int count) {
        return IntStream.range(0, logits.vocabSize()).boxed()
                .sorted(Comparator.comparingDouble((Integer t) -> -logits.get(0, t)))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }
}
