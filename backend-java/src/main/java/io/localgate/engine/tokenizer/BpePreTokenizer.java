package io.localgate.engine.tokenizer;

import io.localgate.engine.tokenizer.PreTokenizer.Gpt2Words;
import io.localgate.engine.tokenizer.PreTokenizer.Llama3Words;
import io.localgate.engine.tokenizer.PreTokenizer.RegexRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The byte-level BPE pre-tokenizers supported, by the names {@code tokenizer.ggml.pre} gives them, with the
 * regexes and flags llama.cpp uses for each ({@code llm_tokenizer_bpe} and {@code llama_vocab::impl::load}).
 * Names llama.cpp maps to the same regexes and flags share a constant.
 */
enum BpePreTokenizer {

    LLAMA3(Flags.IGNORE_MERGES_AND_ADD_BOS, List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
            "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"), new Llama3Words(3, false)),
    DBRX(Flags.NONE, List.of("dbrx", "smaug-bpe"), new Llama3Words(3, false)),
    CHATGLM4(Flags.NO_BOS, List.of("glm4", "chatglm-bpe"), new Llama3Words(3, false)),
    QWEN2(Flags.NONE, List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan",
            "solar-open", "grok-2"), new Llama3Words(1, false)),
    QWEN35(Flags.NONE, List.of("qwen35"), new Llama3Words(1, true)),
    GPT2(Flags.NONE, List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
            "a.x-4.0", "mellum", "modern-bert", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt",
            "olmo", "jais", "trillion", "granite-docling"), new Gpt2Words()),
    STARCODER(Flags.NONE, List.of("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone",
            "minerva-7b", "mellum2"), RegexRule.of("\\p{N}"), new Gpt2Words()),
    FALCON(Flags.NONE, List.of("falcon"), RegexRule.of("[\\p{P}\\$\\+<=>\\^~\\|`]+"), new Gpt2Words(),
            RegexRule.of("[0-9][0-9][0-9]")),
    // deepseek's character classes are llama.cpp's literals, escaped: several of their characters (Ω U+2126,
    // K U+212A, ώ U+1F7D...) are canonical singletons that an editor's normalisation would silently replace
    DEEPSEEK_LLM(Flags.NONE, List.of("deepseek-llm"),
            RegexRule.of("[\r\n]"),
            RegexRule.of("\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293"
                    + "\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C"
                    + "\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5"
                    + "\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77"
                    + "\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59"
                    + "\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC"
                    + "\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107"
                    + "\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139"
                    + "\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE"
                    + "\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E"
                    + "\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A"
                    + "\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB"
                    + "\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF"
                    + "\uD83A\uDD00-\uD83A\uDD43]+"),
            RegexRule.of("\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+"),
            RegexRule.of("\\s+$"),
            RegexRule.of(BpePreTokenizer.CJK_AND_HANGUL),
            RegexRule.of("\\p{N}+")),
    DEEPSEEK_CODER(Flags.NONE, List.of("deepseek-coder"),
            RegexRule.of("[\r\n]"),
            RegexRule.of("\\s?\\p{L}+"),
            RegexRule.of("\\s?\\p{P}+"),
            RegexRule.of(BpePreTokenizer.CJK_AND_HANGUL),
            RegexRule.of("\\p{N}")),
    /** llama.cpp's fallback for "default" and for a BPE vocabulary that names no pre-tokenizer. */
    DEFAULT(Flags.NONE, List.of("default"), RegexRule.of("[\\p{P}\\$\\+<=>\\^~\\|]+"), new Gpt2Words(),
            RegexRule.of("\\p{N}+"), RegexRule.of("[0-9][0-9][0-9]"));

    private static final String CJK_AND_HANGUL = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    /** How llama.cpp's loader treats a pre-tokenizer beyond its regexes. */
    enum Flags {
        NONE,
        /** Look a whole word up before merging (Llama 3), and add BOS unless the metadata says otherwise. */
        IGNORE_MERGES_AND_ADD_BOS,
        /** The model has no BOS token (ChatGLM). */
        NO_BOS
    }

    private final Flags flags;
    private final List<String> names;
    private final List<PreTokenizer.Rule> rules;

    BpePreTokenizer(Flags flags, List<String> names, PreTokenizer.Rule... rules) {
        this.flags = flags;
        this.names = names;
        this.rules = List.of(rules);
    }

    static Optional<BpePreTokenizer> named(String name) {
        for (BpePreTokenizer pre : values()) {
            if (pre.names.contains(name)) return Optional.of(pre);
        }
        return Optional.empty();
    }

    static List<String> supportedNames() {
        List<String> all = new ArrayList<>();
        for (BpePreTokenizer pre : values()) all.addAll(pre.names);
        return all;
    }

    PreTokenizer preTokenizer() {
        return new PreTokenizer(rules);
    }

    boolean ignoresMerges() {
        return flags == Flags.IGNORE_MERGES_AND_ADD_BOS;
    }

    Vocabulary.Defaults adjust(Vocabulary.Defaults defaults) {
        return switch (flags) {
            case NONE -> defaults;
            case IGNORE_MERGES_AND_ADD_BOS -> defaults.withAddBos(true);
            case NO_BOS -> defaults.withoutBos();
        };
    }
}
