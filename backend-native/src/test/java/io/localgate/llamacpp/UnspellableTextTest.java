package io.localgate.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.engine.gguf.GgufFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TinyStories-656K's SentencePiece vocabulary has no byte tokens: llama.cpp aborts the process
 * ({@code std::out_of_range} in {@code byte_to_token}) on {@code héllo wörld 日本語}. The bridge must
 * not let such text reach llama.cpp, and must tokenize it as llama.cpp would, with the unknown token
 * for what the vocabulary cannot spell (the {@code java} backend's tokenizer does that).
 */
class UnspellableTextTest {

    private static final String UNSPELLABLE = "héllo wörld 日本語";

    private static final Path TINY = SharedModels.model("TinyStories-656K-Q8_0.gguf");

    private static VocabularyOnly tokenizer;
    private static SpellingFallback fallback;

    @BeforeAll
    static void openVocabulary() throws Exception {
        tokenizer = new LlamaCppBackend().openTokenizer(TINY);
        try (GgufFile file = GgufFile.open(TINY)) {
            fallback = SpellingFallback.forVocabulary(file.metadata()).orElseThrow();
        }
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void onlyVocabulariesWithoutByteTokensNeedTheFallback() throws Exception {
        assertThat(fallback.llamaCanSpell("Once upon a time")).isTrue();
        assertThat(fallback.llamaCanSpell(UNSPELLABLE)).isFalse();
        for (String model : List.of("stories260K.gguf", "synth-llama-spm-f16.gguf", "synth-qwen2-q4_0.gguf")) {
            try (GgufFile file = GgufFile.open(SharedModels.model(model))) {
                assertThat(SpellingFallback.forVocabulary(file.metadata())).as(model).isEmpty();
            }
        }
    }

    @Test
    void unspellableCharactersBecomeTheUnknownToken() throws Exception {
        int unknown = unknownToken();
        int[] tokens = tokenizer.encode(UNSPELLABLE, false, true);

        // é, ö, 日, 本, 語 are not in the vocabulary; everything else is spelled as usual
        assertThat(Arrays.stream(tokens).filter(t -> t == unknown).count()).isEqualTo(5);
        var spelled = new ByteArrayOutputStream();
        for (int t : tokens) if (t != unknown) spelled.writeBytes(tokenizer.piece(t, false));
        assertThat(spelled.toString(StandardCharsets.UTF_8)).isEqualTo(" hllo wrld ");
        assertThat(tokenizer.encode(UNSPELLABLE, true, true)).startsWith(tokenizer.bos()).endsWith(tokens);
    }

    @Test
    void aModelGeneratesFromSuchAPrompt() throws Exception {
        try (LoadedModel model = new LlamaCppBackend().load(new ModelSpec("tiny", TINY, 256, 1, 1, -1))) {
            int[] prompt = model.tokenizer().encode(UNSPELLABLE, true, true);
            Collected out = Collected.of(model.submit(new GenerationRequest(prompt, SamplingParams.GREEDY, 8)));
            assertThat(out.tokens()).isNotEmpty();
        }
    }

    /** Where llama.cpp can spell a text, the fallback agrees with it token for token: which one runs makes no difference. */
    @Test
    void theJavaTokenizationEqualsLlamaCppsOnSpellableText() throws Exception {
        var texts = new ArrayList<>(List.of("Once upon a time", "Hello world", " leading space", "", "  two  spaces ",
                "<unk>Once<unk> upon<unk>a time", "Lily saw a big dog.\nThe dog was happy!", "a", " ", "\n\n"));
        texts.addAll(List.of(Files.readString(SharedModels.vocab("ggml-vocab-llama-spm.gguf.inp")).split("\n__ggml_vocab_test__\n")));
        texts.removeIf(text -> !fallback.llamaCanSpell(text));
        assertThat(texts).hasSizeGreaterThan(20);
        for (String text : texts) {
            for (boolean addSpecial : new boolean[] {false, true}) {
                for (boolean parseSpecial : new boolean[] {false, true}) {
                    assertThat(fallback.encode(text, addSpecial, parseSpecial))
                            .as("'%s' add_special=%s parse_special=%s", text, addSpecial, parseSpecial)
                            .containsExactly(tokenizer.encode(text, addSpecial, parseSpecial));
                }
            }
        }
    }

    private static int unknownToken() throws Exception {
        try (GgufFile file = GgufFile.open(TINY)) {
            return file.metadata().getInt("tokenizer.ggml.unknown_token_id");
        }
    }
}
