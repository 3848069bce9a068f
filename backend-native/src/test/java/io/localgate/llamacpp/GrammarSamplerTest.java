package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.engine.JavaBackend;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A request's GBNF grammar through llama.cpp's grammar sampler: the output follows it and ends when it is
 * complete; greedy output under a grammar is token for token the java backend's; a bad grammar is refused
 * at submit.
 */
class GrammarSamplerTest {

    private static final String GRAMMAR = """
            root ::= "{" ws "\\"name\\":" ws name "," ws "\\"age\\":" ws [1-9] [0-9]? ws "}"
            name ::= "\\"" [a-zA-Z ]{1,12} "\\""
            ws ::= [ ]?
            """;

    private static ModelSpec stories() {
        return new ModelSpec("stories", SharedModels.model("stories260K.gguf"), 512, 1, 2, -1);
    }

    private static String text(LoadedModel model, Collected collected) {
        return new String(model.tokenizer().decode(collected.ids(), false), StandardCharsets.UTF_8);
    }

    @Test
    void sampledOutputFollowsTheGrammar() throws Exception {
        try (LoadedModel model = new LlamaCppBackend().load(stories())) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
            for (long seed = 1; seed <= 8; seed++) {
                var sampling = new SamplingParams(1.3f, 0, 1f, 0f, seed, 1f, 64, 0f, 0f, Map.of());
                Collected out = Collected.of(model.submit(new GenerationRequest(prompt, sampling, 80, 0, new int[0], GRAMMAR)));
                assertThat(text(model, out)).matches("\\{ ?\"name\": ?\"[a-zA-Z ]{1,12}\", ?\"age\": ?[1-9][0-9]? ?}");
                assertThat(out.finished().reason()).isEqualTo(FinishReason.STOP);
            }
        }
    }

    @Test
    void greedyUnderAGrammarMatchesTheJavaBackend() throws Exception {
        try (LoadedModel nativeModel = new LlamaCppBackend().load(stories()); LoadedModel javaModel = new JavaBackend().load(stories())) {
            int[] prompt = nativeModel.tokenizer().encode("Once upon a time", true, false);
            var request = new GenerationRequest(prompt, SamplingParams.GREEDY, 80, 0, new int[0], GRAMMAR);
            Collected fromNative = Collected.of(nativeModel.submit(request));
            Collected fromJava = Collected.of(javaModel.submit(request));
            assertThat(fromNative.ids()).containsExactly(fromJava.ids());
            assertThat(text(nativeModel, fromNative)).startsWith("{");
        }
    }

    @Test
    void controlTokensNeverStandInForTheirTextUnderAGrammar() throws Exception {
        try (LoadedModel model = new LlamaCppBackend().load(stories())) {
            int bos = model.tokenizer().bos();
            assertThat(model.tokenizer().isControl(bos)).isTrue();
            int[] prompt = model.tokenizer().encode("Once", true, false);
            // llama.cpp's grammar sampler would match "<s>" with the BOS token, which the output shows as nothing
            var sampling = new SamplingParams(0f, 0, 1f, 0f, 0, 1f, 64, 0f, 0f, Map.of(bos, 100f));
            Collected out = Collected.of(model.submit(new GenerationRequest(prompt, sampling, 16, 0, new int[0], "root ::= \"<s>\"")));
            assertThat(out.ids()).doesNotContain(bos);
            assertThat(text(model, out)).isEqualTo("<s>");
        }
    }

    @Test
    void aGrammarThatDoesNotParseIsRefusedAtSubmit() throws Exception {
        try (LoadedModel model = new LlamaCppBackend().load(stories())) {
            int[] prompt = model.tokenizer().encode("Hi", true, false);
            var bad = new GenerationRequest(prompt, SamplingParams.GREEDY, 8, 0, new int[0], "root ::= [a-z\n");
            assertThatThrownBy(() -> model.submit(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
            var undefined = new GenerationRequest(prompt, SamplingParams.GREEDY, 8, 0, new int[0], "root ::= thing");
            assertThatThrownBy(() -> model.submit(undefined)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("undefined rule 'thing'");
        }
    }
}
