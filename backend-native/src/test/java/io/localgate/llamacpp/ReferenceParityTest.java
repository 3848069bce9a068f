package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bridge against llama.cpp's own outputs ({@code shared/models/reference}, made with the same
 * prebuilt libraries on one thread with a 512-token context): since the engine is the same, any
 * difference in tokens is a fault of the bridge (layouts, batch, positions, sampling, tokenizer calls).
 */
class ReferenceParityTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final LlamaCppBackend backend = new LlamaCppBackend();

    static Stream<String> textModels() throws IOException {
        try (Stream<Path> files = Files.list(SharedModels.dir().resolve("reference"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".json") && !f.startsWith("all-MiniLM"))
                    .map(f -> f.substring(0, f.length() - ".json".length()))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("textModels")
    void tokensAndGreedyContinuationsEqualLlamaCpps(String model) throws Exception {
        JsonNode reference = JSON.readTree(SharedModels.reference(model + ".json").toFile());
        try (LoadedModel loaded = backend.load(new ModelSpec(model, SharedModels.model(model + ".gguf"), 512, 1, 1, -1))) {
            var tokenizer = loaded.tokenizer();
            assertThat(tokenizer.vocabSize()).isEqualTo(reference.get("n_vocab").asInt());
            for (JsonNode c : reference.get("cases")) {
                String prompt = c.get("prompt").asString();
                if (c.has("llama_cpp_error")) {
                    continue; // TinyStories' unspellable text: UnspellableTextTest covers it
                }
                assertThat(tokenizer.encode(prompt, false, true)).as("%s: tokens of '%s'", model, prompt).containsExactly(ints(c.get("tokens")));
                int[] withSpecial = ints(c.get("tokens_with_special"));
                assertThat(tokenizer.encode(prompt, true, true)).as("%s: tokens with special of '%s'", model, prompt).containsExactly(withSpecial);
                if (withSpecial.length == 0) continue; // nothing to continue from (no BOS, empty prompt)

                Collected greedy = Collected.of(loaded.submit(new GenerationRequest(withSpecial, SamplingParams.GREEDY, 32, 5, new int[0])));
                int[] expected = ints(c.get("greedy_tokens"));
                assertThat(greedy.ids()).as("%s: greedy continuation of '%s'", model, prompt).containsExactly(expected);
                assertThat(greedy.finished().reason()).isEqualTo(expected.length < 32 ? FinishReason.STOP : FinishReason.LENGTH);
                assertThat(greedy.finished().generatedTokens()).isEqualTo(expected.length);
                assertThat(greedy.finished().promptTokens()).isEqualTo(withSpecial.length);

                var text = new ByteArrayOutputStream();
                for (int id : greedy.ids()) text.writeBytes(tokenizer.piece(id, false));
                if (c.get("greedy_text").isNull()) {
                    assertThat(HexFormat.of().formatHex(text.toByteArray())).isEqualTo(c.get("greedy_hex").asString());
                } else {
                    assertThat(text.toString(StandardCharsets.UTF_8)).isEqualTo(c.get("greedy_text").asString());
                }
                checkTopLogits(model, prompt, greedy.tokens().getFirst(), c.get("top_logits"));
            }
        }
    }

    /**
     * The first step's alternatives are log-softmax values of the same logits: they must rank like the
     * reference's top logits and differ from each other by the same amounts (logits vary in the last
     * digits with the CPU kernel variant, so with a tolerance).
     */
    private static void checkTopLogits(String model, String prompt, TokenEvent.Token first, JsonNode topLogits) {
        List<TokenEvent.Alternative> top = first.top();
        assertThat(top).hasSize(topLogits.size());
        assertThat(top.getFirst().id()).as("%s: best first token of '%s'", model, prompt).isEqualTo(topLogits.get(0).get(0).asInt());
        float best = (float) topLogits.get(0).get(1).asDouble();
        for (int i = 0; i < top.size(); i++) {
            float referenceGap = (float) topLogits.get(i).get(1).asDouble() - best;
            assertThat(top.get(i).logprob() - top.getFirst().logprob()).as("%s: logit gap of alternative %d for '%s'", model, i, prompt)
                    .isCloseTo(referenceGap, within(1e-3f));
        }
        assertThat(first.logprob()).isEqualTo(top.getFirst().logprob());
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).asInt();
        return values;
    }
}
