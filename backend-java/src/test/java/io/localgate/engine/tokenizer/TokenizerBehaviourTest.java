package io.localgate.engine.tokenizer;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.SharedModels;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.gguf.GgufValueType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What llama.cpp does beyond its test vectors: special tokens, BOS/EOS, pieces, end-of-generation tokens,
 * and what this tokenizer does where llama.cpp fails. Expected ids come from llama.cpp (node-llama-cpp
 * 3.21.1, {@code tokenize(text, specialTokens)}).
 */
class TokenizerBehaviourTest {

    static GgufMetadata qwen2Metadata;
    static Tokenizer qwen2;
    static Tokenizer llama3;
    static Tokenizer llamaSpm;
    static Tokenizer phi3;
    static Tokenizer gpt2;
    static Tokenizer bert;

    @BeforeAll
    static void load() throws IOException {
        qwen2Metadata = metadata("ggml-vocab-qwen2.gguf");
        qwen2 = Tokenizers.fromGguf(qwen2Metadata);
        llama3 = Tokenizers.fromGguf(metadata("ggml-vocab-llama-bpe.gguf"));
        llamaSpm = Tokenizers.fromGguf(metadata("ggml-vocab-llama-spm.gguf"));
        phi3 = Tokenizers.fromGguf(metadata("ggml-vocab-phi-3.gguf"));
        gpt2 = Tokenizers.fromGguf(metadata("ggml-vocab-gpt-2.gguf"));
        bert = Tokenizers.fromGguf(metadata("ggml-vocab-bert-bge.gguf"));
    }

    static GgufMetadata metadata(String vocabFile) throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.vocab(vocabFile))) {
            return file.metadata();
        }
    }

    @Test
    void specialTokensAreCutOutOnlyWhenParsed() {
        String chat = "<|im_start|>user\nHello<|im_end|>\n";
        assertThat(qwen2.encode(chat, false, true)).containsExactly(151644, 872, 198, 9707, 151645, 198);
        assertThat(qwen2.encode(chat, false, false))
                .containsExactly(27, 91, 318, 4906, 91, 29, 872, 198, 9707, 27, 91, 318, 6213, 91, 397);
        assertThat(llama3.encode("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false, true))
                .containsExactly(128000, 128006, 882, 128007, 271, 13347, 128009);
        assertThat(gpt2.encode("<|endoftext|>Hello", false, true)).containsExactly(50256, 15496);
        assertThat(gpt2.encode("<|endoftext|>Hello", false, false)).containsExactly(27, 91, 437, 1659, 5239, 91, 29, 15496);
        // SPM: the text after a special token gets the space prefix again
        assertThat(llamaSpm.encode("<s>[INST] Hi [/INST]", false, true))
                .containsExactly(1, 518, 25580, 29962, 6324, 518, 29914, 25580, 29962);
        assertThat(llamaSpm.encode("<s>[INST] Hi [/INST]", false, false))
                .containsExactly(529, 29879, 24566, 25580, 29962, 6324, 518, 29914, 25580, 29962);
        assertThat(bert.encode("[CLS] Héllo, [MASK] world!", false, true)).containsExactly(101, 7592, 1010, 103, 2088, 999);
    }

    @Test
    void phi3SpecialTokensSwallowTheWhitespaceAfterThem() {
        // llama.cpp marks Phi-3's special tokens RSTRIP by the model name
        assertThat(phi3.encode("<|user|>\n  Hello<|end|>\n<|assistant|>", false, true))
                .containsExactly(32010, 15043, 32007, 32001);
    }

    @Test
    void userDefinedTokensAreCutOutEvenWhenSpecialTokensAreNotParsed() {
        assertThat(qwen2.encode("x[PAD151657]y", false, false)).containsExactly(87, 151657, 88);
        assertThat(qwen2.isControl(151657)).isFalse();
        assertThat(qwen2.piece(151657, false)).isEqualTo(bytes("[PAD151657]"));
    }

    @Test
    void bosAndEosAreAddedAsTheMetadataSays() {
        // Llama 3 adds BOS by llama.cpp's default for its pre-tokenizer; Qwen2 names a BOS but adds none
        assertThat(llama3.encode("Hi", true, true)).containsExactly(128000, 13347);
        assertThat(qwen2.bos()).isEqualTo(151643);
        assertThat(qwen2.encode("Hi", true, true)).containsExactly(13048);
        assertThat(llamaSpm.encode("", true, true)).containsExactly(1);
        assertThat(llamaSpm.encode("", false, true)).isEmpty();
        assertThat(bert.encode("", true, true)).containsExactly(101, 102);
        assertThat(llama3.eos()).isEqualTo(128001);
    }

    @Test
    void stories260KHasNoAddBosKeyAndGetsBosByDefault() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            assertThat(file.metadata().contains("tokenizer.ggml.add_bos_token")).isFalse();
            Tokenizer stories = Tokenizers.fromGguf(file.metadata());
            assertThat(stories.bos()).isEqualTo(1);
            assertThat(stories.eos()).isEqualTo(2);
            assertThat(stories.encode("Once", true, true)[0]).isEqualTo(1);
        }
    }

    @Test
    void tinyStoriesSpellsWhatItsVocabularyCannotAsTheUnknownToken() throws IOException {
        // llama.cpp aborts here (no <0xNN> tokens to fall back to); we give one <unk> per such character
        try (GgufFile file = GgufFile.open(SharedModels.model("TinyStories-656K-Q8_0.gguf"))) {
            Tokenizer stories = Tokenizers.fromGguf(file.metadata());
            int[] tokens = stories.encode("héllo wörld 日本語", true, true);
            assertThat(tokens).containsExactly(1, 141, 0, 113, 139, 75, 0, 70, 180, 0, 0, 0);
            assertThat(new String(stories.decode(tokens, true), StandardCharsets.UTF_8))
                    .isEqualTo("<|start_story|> h<unk>llo w<unk>rld <unk><unk><unk>");
            assertThat(stories.piece(0, false)).isEmpty();
        }
    }

    @Test
    void piecesAreTheBytesLlamaCppRenders() {
        assertThat(llamaSpm.piece(15043, false)).isEqualTo(bytes(" Hello"));
        assertThat(llamaSpm.piece(13, false)).isEqualTo(bytes("\n")); // <0x0A>
        assertThat(llamaSpm.piece(1, false)).isEmpty();
        assertThat(llamaSpm.piece(1, true)).isEqualTo(bytes("<s>"));
        assertThat(llama3.piece(22691, false)).isEqualTo(bytes(" Hello"));
        assertThat(qwen2.piece(151645, false)).isEmpty();
        assertThat(qwen2.piece(151645, true)).isEqualTo(bytes("<|im_end|>"));
        // a byte-level token may be part of a UTF-8 sequence: "é" is 0xC3 0xA9
        assertThat(gpt2.piece(gpt2.encode("é", false, false)[0], false)).startsWith((byte) 0xC3);
        assertThat(bert.piece(7592, false)).isEqualTo(bytes(" hello"));
        assertThatThrownBy(() -> qwen2.piece(qwen2.vocabSize(), false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> qwen2.piece(-1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endOfGenerationTokensAreLlamaCppsSet() {
        assertThat(qwen2.isEndOfGeneration(151643)).isTrue(); // <|endoftext|>
        assertThat(qwen2.isEndOfGeneration(151645)).isTrue(); // <|im_end|>
        assertThat(qwen2.isEndOfGeneration(151644)).isFalse(); // <|im_start|>
        assertThat(llama3.isEndOfGeneration(128001)).isTrue(); // <|end_of_text|>
        assertThat(llama3.isEndOfGeneration(128009)).isTrue(); // <|eot_id|>
        assertThat(llama3.isEndOfGeneration(128000)).isFalse();
        assertThat(phi3.isEndOfGeneration(32000)).isTrue(); // <|endoftext|>
        assertThat(phi3.isEndOfGeneration(32007)).isTrue(); // <|end|>
        assertThat(llamaSpm.isEndOfGeneration(2)).isTrue();
        assertThat(llamaSpm.isEndOfGeneration(1)).isFalse();
        assertThat(llamaSpm.isEndOfGeneration(-1)).isFalse();
        assertThat(bert.isEndOfGeneration(102)).isFalse();
    }

    @Test
    void controlTokens() {
        assertThat(qwen2.isControl(151644)).isTrue();
        assertThat(qwen2.isControl(9707)).isFalse();
        assertThat(llamaSpm.isControl(2)).isTrue();
        assertThat(llamaSpm.isControl(0)).isFalse(); // <unk> is an unknown token, not a control token
        assertThat(llamaSpm.isControl(-5)).isFalse();
    }

    @Test
    void aLoneSurrogateIsReadAsTheReplacementCharacter() {
        assertThat(qwen2.encode("a\uD800b", false, false)).containsExactly(qwen2.encode("a\uFFFDb", false, false));
        assertThat(llamaSpm.encode("a\uDC00", false, false)).containsExactly(llamaSpm.encode("a\uFFFD", false, false));
    }

    @Test
    void everyPreTokenizerSplitsLongWordsWithoutRecursing() {
        // java.util.regex recurses once per repetition of a group: a long word must not overflow the stack
        String longWords = "Ab".repeat(30_000) + " " + "9".repeat(20_000) + "  \n\n" + "é".repeat(20_000);
        int[] cpts = longWords.codePoints().toArray();
        for (BpePreTokenizer pre : BpePreTokenizer.values()) {
            IntList lengths = pre.preTokenizer().split(cpts);
            int total = 0;
            for (int i = 0; i < lengths.size(); i++) total += lengths.get(i);
            assertThat(total).as(pre.name()).isEqualTo(cpts.length);
        }
    }

    @Test
    void everySupportedPreTokenizerNameBuilds() {
        for (String name : BpePreTokenizer.supportedNames()) {
            assertThat(Tokenizers.unsupportedReason(withPre(qwen2Metadata, name))).as(name).isEmpty();
        }
        Tokenizer tekken = Tokenizers.fromGguf(withPre(qwen2Metadata, "tekken"));
        assertThat(tekken.encode("Hello World", true, false)).containsExactly(151643, 9707, 4337);
    }

    @Test
    void chatGlmHasNoBos() {
        Tokenizer glm = Tokenizers.fromGguf(withPre(withoutKey(qwen2Metadata, "tokenizer.ggml.bos_token_id"), "chatglm-bpe"));
        assertThat(glm.bos()).isEqualTo(-1);
        assertThat(glm.encode("Hi", true, true)).containsExactly(13048);
    }

    @Test
    void concurrentEncodingGivesTheSameTokens() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            texts.add("<|im_start|>user\nRequest " + i + ": héllo wörld 日本語 " + "x".repeat(i) + "<|im_end|>");
        }
        List<int[]> expected = texts.stream().map(t -> qwen2.encode(t, true, true)).toList();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (!java.util.Arrays.equals(qwen2.encode(texts.get(i), true, true), expected.get(i))) return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) assertThat(result.get()).isTrue();
        }
    }

    @Test
    void unsupportedTokenizersAreNamedWithoutLoadingThem() {
        assertThat(Tokenizers.unsupportedReason(qwen2Metadata)).isEmpty();
        assertThat(Tokenizers.unsupportedReason(metadataOf(Map.of())))
                .hasValueSatisfying(r -> assertThat(r).contains("tokenizer.ggml.model"));
        GgufMetadata t5 = metadataOf(Map.of("tokenizer.ggml.model", "t5", "tokenizer.ggml.tokens", new String[] {"a"}));
        assertThat(Tokenizers.unsupportedReason(t5)).hasValueSatisfying(r -> assertThat(r).contains("unsupported tokenizer 't5'"));
        assertThatThrownBy(() -> Tokenizers.fromGguf(t5)).isInstanceOf(GgufException.class)
                .hasMessageContaining("unsupported tokenizer 't5'");
        GgufMetadata kimi = withPre(qwen2Metadata, "kimi-k2");
        assertThat(Tokenizers.unsupportedReason(kimi)).hasValueSatisfying(r -> assertThat(r).contains("unsupported pre-tokenizer 'kimi-k2'"));
        assertThatThrownBy(() -> Tokenizers.fromGguf(kimi)).isInstanceOf(GgufException.class)
                .hasMessageContaining("unsupported pre-tokenizer 'kimi-k2'");
        GgufMetadata noVocab = metadataOf(Map.of("tokenizer.ggml.model", "llama"));
        assertThat(Tokenizers.unsupportedReason(noVocab)).hasValueSatisfying(r -> assertThat(r).contains("tokenizer.ggml.tokens"));
    }

    @Test
    void malformedVocabularyMetadataIsAGgufExceptionNamingTheKey() {
        var tokens = new String[] {"<unk>", "<s>", "</s>", "a"};
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.scores", new String[] {"x"}))))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.scores");
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.scores", new float[] {0f}))))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.scores has 1 entries for 4 tokens");
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.token_type", new long[] {1, 1}))))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.token_type");
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "gpt2",
                "tokenizer.ggml.tokens", tokens))))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.merges");
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", "not an array"))))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.tokens");
    }

    @Test
    void outOfRangeSpecialTokenIdsKeepTheDefault() {
        // stories260K stores 0xFFFFFFFF as its padding id; llama.cpp ignores such ids
        GgufMetadata md = metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", new String[] {"<unk>", "<s>", "</s>", "▁a"},
                "tokenizer.ggml.bos_token_id", 4294967295L, "tokenizer.ggml.eos_token_id", 7L));
        Tokenizer tokenizer = Tokenizers.fromGguf(md);
        assertThat(tokenizer.bos()).isEqualTo(1);
        assertThat(tokenizer.eos()).isEqualTo(2);
        assertThat(tokenizer.encode("a", true, false)).containsExactly(1, 3);
    }

    @Test
    void spmPrefixesASpaceUnlessTheMetadataSaysNot() {
        var tokens = new String[] {"<unk>", "<s>", "</s>", "▁a", "a"};
        Tokenizer prefixing = Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", tokens)));
        assertThat(prefixing.encode("a", true, true)).containsExactly(1, 3);
        Tokenizer plain = Tokenizers.fromGguf(metadataOf(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.add_space_prefix", false,
                "tokenizer.ggml.add_bos_token", false, "tokenizer.ggml.add_eos_token", true)));
        assertThat(plain.encode("a", true, true)).containsExactly(4, 2);
    }

    @Test
    void aBpeVocabularyWithoutPreTokenizerUsesLlamaCppsDefault() {
        assertThat(Tokenizers.unsupportedReason(withoutKey(qwen2Metadata, "tokenizer.ggml.pre"))).isEmpty();
        Tokenizer unnamed = Tokenizers.fromGguf(withoutKey(qwen2Metadata, "tokenizer.ggml.pre"));
        Tokenizer named = Tokenizers.fromGguf(withPre(qwen2Metadata, "default"));
        String text = "Hello, world! 12345 ... ok";
        assertThat(unnamed.encode(text, false, false)).containsExactly(named.encode(text, false, false));
    }

    static GgufMetadata withPre(GgufMetadata metadata, String pre) {
        var entries = new LinkedHashMap<>(metadata.entries());
        entries.put("tokenizer.ggml.pre", new GgufMetadata.Entry(GgufValueType.STRING, null, pre));
        return new GgufMetadata(entries);
    }

    static GgufMetadata withoutKey(GgufMetadata metadata, String key) {
        var entries = new LinkedHashMap<>(metadata.entries());
        entries.remove(key);
        return new GgufMetadata(entries);
    }

    /** Metadata from plain values: String, Long, Boolean, String[], float[], long[] (as INT32). */
    static GgufMetadata metadataOf(Map<String, Object> values) {
        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        values.forEach((key, value) -> entries.put(key, switch (value) {
            case String s -> new GgufMetadata.Entry(GgufValueType.STRING, null, s);
            case Long l -> new GgufMetadata.Entry(GgufValueType.UINT32, null, l);
            case Boolean b -> new GgufMetadata.Entry(GgufValueType.BOOL, null, b);
            case String[] a -> new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, a);
            case float[] a -> new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.FLOAT32, a);
            case long[] a -> new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.INT32, a);
            default -> throw new IllegalArgumentException(key);
        }));
        return new GgufMetadata(entries);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
