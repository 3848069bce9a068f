package io.localgate.engine.tokenizer;

import io.localgate.engine.tokenizer.PreTokenizer.GroupedDigits;
import io.localgate.engine.tokenizer.PreTokenizer.Gpt2Words;
import io.localgate.engine.tokenizer.PreTokenizer.Llama3Words;
import io.localgate.engine.tokenizer.PreTokenizer.RegexRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The byte-level BPE pre-tokenizers supported, by the names {@code tokenizer.ggml.pre} gives them, with the
 * regexes and flags llama.cpp uses for each ({@code llm_tokenizer_bpe} and {@code llama_vocab::impl::load}).
 * Names llama.cpp maps to the same regexes and flags share a constant. The regexes are llama.cpp's
 * literals; non-ASCII characters are escaped because several (Ω U+2126, K U+212A, ώ U+1F7D...) are
 * canonical singletons that an editor's normalisation would silently replace.
 *
 * <p>Not supported: exaone-moe (its nested repeated groups recurse once per character in
 * {@code java.util.regex}), kimi-k2, superbpe, gemma4, sarvam-moe and the tokenizer types that are not
 * byte-level BPE.
 */
enum BpePreTokenizer {

    LLAMA3(List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
            "jina-v5-nano"), Set.of(Flag.IGNORE_MERGES, Flag.ADD_BOS), new Llama3Words(3, false)),
    DBRX(List.of("dbrx", "smaug-bpe"), new Llama3Words(3, false)),
    CHATGLM4(List.of("glm4", "chatglm-bpe"), Set.of(Flag.NO_BOS), new Llama3Words(3, false)),
    QWEN2(List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open",
            "grok-2"), new Llama3Words(1, false)),
    QWEN35(List.of("qwen35"), new Llama3Words(1, true)),
    GPT2(List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
            "mellum", "modern-bert", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais",
            "trillion", "granite-docling"), new Gpt2Words()),
    STARCODER(List.of("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b",
            "mellum2"), RegexRule.of("\\p{N}"), new Gpt2Words()),
    FALCON(List.of("falcon"), RegexRule.of("[\\p{P}\\$\\+<=>\\^~\\|`]+"), new Gpt2Words(),
            RegexRule.of("[0-9][0-9][0-9]")),
    // deepseek's character classes are llama.cpp's literals, escaped: several of their characters (Ω U+2126,
    // K U+212A, ώ U+1F7D...) are canonical singletons that an editor's normalisation would silently replace
    DEEPSEEK_LLM(List.of("deepseek-llm"),
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
            RegexRule.of(Common.CJK_AND_HANGUL),
            RegexRule.of("\\p{N}+")),
    DEEPSEEK_CODER(List.of("deepseek-coder"),
            RegexRule.of("[\r\n]"),
            RegexRule.of("\\s?\\p{L}+"),
            RegexRule.of("\\s?\\p{P}+"),
            RegexRule.of(Common.CJK_AND_HANGUL),
            RegexRule.of("\\p{N}")),
    DEEPSEEK3(List.of("deepseek-v3", "hunyuan-dense", "joyai-llm"),
            RegexRule.of("\\p{N}{1,3}"),
            RegexRule.of("[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+"),
            RegexRule.of("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+")),
    TEKKEN(List.of("tekken"), Set.of(Flag.IGNORE_MERGES, Flag.ADD_BOS),
            RegexRule.of("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
                    + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    GPT4O(List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"),
            RegexRule.of("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + Common.CONTRACTION + "?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + Common.CONTRACTION + "?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    GRANITE_EMBEDDING_MULTILINGUAL(List.of("granite-embed-multi-97m"), Set.of(Flag.IGNORE_MERGES),
            RegexRule.of("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+"
                    + Common.CONTRACTION + "?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*"
                    + Common.CONTRACTION + "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    SEED_CODER(List.of("seed-coder"),
            RegexRule.of(Common.CONTRACTION + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    BAILINGMOE(List.of("bailingmoe", "bailingmoe2", "llada-moe"),
            RegexRule.of("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+")),
    PORO(List.of("poro-chat", "bloom", "gpt3-finnish"),
            RegexRule.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+")),
    VIKING(List.of("viking"),
            RegexRule.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+"), RegexRule.of("\\p{N}")),
    JAIS2(List.of("jais-2"),
            RegexRule.of(Common.CONTRACTION + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)"
                    + "|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}")),
    LAGUNA(List.of("laguna"), RegexRule.of("[^\\n]+|[\\n]+"), new Llama3Words(1, false)),
    MINICPM5(List.of("minicpm5"), Set.of(Flag.IGNORE_MERGES), RegexRule.of("\\p{N}{1,3}"),
            RegexRule.of(Common.CONTRACTION + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    YOUTU(List.of("youtu"), Set.of(Flag.IGNORE_MERGES),
            RegexRule.of("[\uAC00-\uD7A3\u3131-\u318E]+|[\uFF01\u2026\u201C\u201D\u2018\u2019\u2014\uFF1A\uFF1B"
                    + "\uFF0C\u3001-\u303F\uFE30-\uFE4F]+|[\u3105-\u312F]+|[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+"),
            RegexRule.of(Common.CASED_WORDS + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    TINY_AYA(List.of("tiny_aya", "cohere2moe"), new GroupedDigits(),
            RegexRule.of(Common.CASED_WORDS + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    AFMOE(List.of("afmoe"), new GroupedDigits(),
            RegexRule.of("[\u4E00-\u9FFF\u3400-\u4DBF\u8C48-\uFAFF\u3040-\u309F\u30A0-\u30FF\uFF65-\uFF9F"
                    + "\u2F00-\u2FDF\u0E40-\u0E7F\u0E80-\u0EFF\u1780-\u17FF\u1000-\u109F\uAA60-\uAA7F"
                    + "\uA9E0-\uA9FF\uAC00-\uD7AF\u1100-\u11FF]+"),
            RegexRule.of("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
    CHAMELEON(List.of("chameleon"), Set.of(Flag.ADD_BOS),
            RegexRule.of("<sentinel:[0-9]+>"),
            RegexRule.of("(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z"),
            RegexRule.of("([\\t\\n]|    |  )"),
            RegexRule.of("\\p{N}"),
            RegexRule.of("[\\p{P}!-/:-@\\[-`{-~]"),
            new Gpt2Words()),
    /** llama.cpp's fallback for "default" and for a BPE vocabulary that names no pre-tokenizer. */
    DEFAULT(List.of("default"), RegexRule.of("[\\p{P}\\$\\+<=>\\^~\\|]+"), new Gpt2Words(),
            RegexRule.of("\\p{N}+"), RegexRule.of("[0-9][0-9][0-9]"));

    /** How llama.cpp's loader treats a pre-tokenizer beyond its regexes. */
    enum Flag {
        /** Look a whole word up in the vocabulary before merging it. */
        IGNORE_MERGES,
        /** Add BOS unless the metadata says otherwise. */
        ADD_BOS,
        /** The model has no BOS token (ChatGLM). */
        NO_BOS
    }

    /** Regex parts several pre-tokenizers share (a nested class, so the constants above may use them). */
    private static final class Common {
        static final String CJK_AND_HANGUL = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";
        static final String CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
        /** Words split at case changes, with an optional contraction (tiny_aya, youtu). */
        static final String CASED_WORDS = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + CONTRACTION + "?|[^\\r\\n\\p{L}\\p{N}]?"
                + "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + CONTRACTION + "?";
    }

    private final List<String> names;
    private final Set<Flag> flags;
    private final List<PreTokenizer.Rule> rules;

    BpePreTokenizer(List<String> names, PreTokenizer.Rule... rules) {
        this(names, Set.of(), rules);
    }

    BpePreTokenizer(List<String> names, Set<Flag> flags, PreTokenizer.Rule... rules) {
        this.names = names;
        this.flags = flags;
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
        return flags.contains(Flag.IGNORE_MERGES);
    }

    Vocabulary.Defaults adjust(Vocabulary.Defaults defaults) {
        Vocabulary.Defaults adjusted = flags.contains(Flag.ADD_BOS) ? defaults.withAddBos(true) : defaults;
        return flags.contains(Flag.NO_BOS) ? adjusted.withoutBos() : adjusted;
    }
}
