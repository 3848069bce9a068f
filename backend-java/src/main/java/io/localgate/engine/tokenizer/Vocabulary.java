package io.localgate.engine.tokenizer;

import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.gguf.GgufValueType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A vocabulary as llama.cpp's {@code llama_vocab::impl::load} reads it from GGUF metadata: token texts,
 * scores and attributes, the special token ids, the add-BOS/EOS flags, the end-of-generation set and the
 * attribute fix-ups llama.cpp applies by token text. Immutable once built.
 */
final class Vocabulary {

    // token attributes, bit for bit llama.cpp's llama_token_attr
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;
    static final int LSTRIP = 1 << 7;
    static final int RSTRIP = 1 << 8;

    static final int NONE = -1;

    /** The per-model-type defaults llama.cpp starts from before it reads the metadata. */
    record Defaults(int bos, int eos, int unk, int sep, boolean addBos, boolean addEos, boolean addSpacePrefix) {

        Defaults withAddBos(boolean value) {
            return new Defaults(bos, eos, unk, sep, value, addEos, addSpacePrefix);
        }

        Defaults withoutBos() {
            return new Defaults(NONE, eos, unk, sep, addBos, addEos, addSpacePrefix);
        }
    }

    // texts llama.cpp recognises at load time (src/llama-vocab.cpp), in its words: "this is currently
    // determined based on the token text, which is obviously not ideal"
    private static final Set<String> END_OF_TURN_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>",
            "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
            "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>",
            "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>",
            "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>",
            "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");
    private static final Set<String> FIM_PREFIX_TEXTS = Set.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final Set<String> FIM_SUFFIX_TEXTS = Set.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final Set<String> FIM_MIDDLE_TEXTS = Set.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final Set<String> FIM_PAD_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
            "[PAD]");
    private static final Set<String> FIM_REPO_TEXTS = Set.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
            "<REPO>", "<reponame>");
    private static final Set<String> FIM_SEPARATOR_TEXTS = Set.of("<|file_sep|>");
    /** gpt-oss: llama.cpp always renders these. */
    private static final Set<String> ALWAYS_RENDERED_TEXTS = Set.of("<|channel|>", "<|message|>", "<|start|>",
            "<|constrain|>");

    private final String[] texts;
    private final float[] scores;
    private final int[] attributes;
    private final TextIndex ids;
    private final int bos;
    private final int eos;
    private final int unknown;
    private final int separator;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final boolean[] endOfGeneration;
    private final int[] specialTokensLongestFirst;

    private Vocabulary(Builder b) {
        texts = b.texts;
        scores = b.scores;
        attributes = b.attributes;
        ids = b.ids;
        bos = b.bos;
        eos = b.eos;
        unknown = b.unknown;
        separator = b.separator;
        addBos = b.addBos;
        addEos = b.addEos;
        addSpacePrefix = b.addSpacePrefix;
        endOfGeneration = b.endOfGeneration;
        specialTokensLongestFirst = b.specialTokensLongestFirst;
    }

    static Vocabulary load(GgufMetadata metadata, Defaults defaults) {
        return new Builder(metadata, defaults).build();
    }

    int size() {
        return texts.length;
    }

    String text(int token) {
        return texts[token];
    }

    float score(int token) {
        return scores[token];
    }

    int attributes(int token) {
        return attributes[token];
    }

    boolean has(int token, int attribute) {
        return (attributes[token] & attribute) != 0;
    }

    /** The token whose text this is, or {@link #NONE}. */
    int id(String text) {
        return ids.id(text);
    }

    /** The token whose text is {@code s[from, to)}, or {@link #NONE}. */
    int id(String s, int from, int to) {
        return ids.id(s, from, to);
    }

    /** The token whose text is {@code s[from1, to1)} followed by {@code s[from2, to2)}, or {@link #NONE}. */
    int idOfJoined(String s, int from1, int to1, int from2, int to2) {
        return ids.idOfJoined(s, from1, to1, from2, to2);
    }

    int bos() {
        return bos;
    }

    int eos() {
        return eos;
    }

    int unknown() {
        return unknown;
    }

    int separator() {
        return separator;
    }

    boolean addBos() {
        return addBos;
    }

    boolean addEos() {
        return addEos;
    }

    boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    boolean isEndOfGeneration(int token) {
        return token >= 0 && token < endOfGeneration.length && endOfGeneration[token];
    }

    /** Control, user-defined and unknown tokens, longest text (in UTF-8 bytes) first: what the text is split on. */
    int[] specialTokensLongestFirst() {
        return specialTokensLongestFirst;
    }

    private static final class Builder {
        private final GgufMetadata metadata;
        private final String[] texts;
        private final float[] scores;
        private final int[] attributes;
        private final TextIndex ids;
        private int bos;
        private int eos;
        private int unknown;
        private int separator;
        private boolean addBos;
        private boolean addEos;
        private boolean addSpacePrefix;
        private boolean[] endOfGeneration;
        private int[] specialTokensLongestFirst;

        Builder(GgufMetadata metadata, Defaults defaults) {
            this.metadata = metadata;
            String[] raw = metadata.findStringArray("tokenizer.ggml.tokens")
                    .orElseThrow(() -> new GgufException("metadata tokenizer.ggml.tokens is missing"));
            int n = raw.length;
            texts = new String[n];
            for (int i = 0; i < n; i++) {
                // llama.cpp renames empty tokens so that every token has a text of its own
                texts[i] = raw[i].isEmpty() ? "[EMPTY_" + i + "]" : raw[i];
            }
            ids = new TextIndex(texts);
            scores = readScores(metadata, n);
            attributes = readAttributes(metadata, n);

            addSpacePrefix = metadata.findBoolean("tokenizer.ggml.add_space_prefix").orElse(defaults.addSpacePrefix());
            addBos = metadata.findBoolean("tokenizer.ggml.add_bos_token").orElse(defaults.addBos());
            addEos = metadata.findBoolean("tokenizer.ggml.add_eos_token").orElse(defaults.addEos());
            bos = specialId("tokenizer.ggml.bos_token_id", defaults.bos());
            eos = specialId("tokenizer.ggml.eos_token_id", defaults.eos());
            unknown = specialId("tokenizer.ggml.unknown_token_id", defaults.unk());
            separator = specialId("tokenizer.ggml.seperator_token_id", defaults.sep());
        }

        Vocabulary build() {
            markEndOfGeneration();
            specialTokensLongestFirst = collectSpecialTokens();
            applyPerModelStripping();
            return new Vocabulary(this);
        }

        /** A special token id from the metadata; llama.cpp keeps the default when the id is out of range. */
        private int specialId(String key, int defaultId) {
            return specialIdOr(key, defaultId >= texts.length ? NONE : defaultId);
        }

        private int specialIdOr(String key, int current) {
            var value = metadata.findLong(key);
            return value.isPresent() && value.getAsLong() >= 0 && value.getAsLong() < texts.length
                    ? (int) value.getAsLong() : current;
        }

        /** A FIM token id from the metadata (of several keys the last wins, as in llama.cpp) or else by its text. */
        private int fimId(Set<String> candidates, String... keys) {
            int id = NONE;
            for (String key : keys) id = specialIdOr(key, id);
            return id != NONE ? id : findByTextAndMarkControl(candidates);
        }

        /**
         * The first token (lowest id) with one of these texts, made a control token. llama.cpp takes the first
         * one in its hash map's order; the two differ only for a vocabulary with several such texts.
         */
        private int findByTextAndMarkControl(Set<String> candidates) {
            int found = NONE;
            for (String text : candidates) {
                int id = ids.id(text);
                if (id != NONE && (found == NONE || id < found)) found = id;
            }
            if (found != NONE) attributes[found] |= CONTROL;
            return found;
        }

        private void markEndOfGeneration() {
            int eot = specialId("tokenizer.ggml.eot_token_id", NONE);
            if (eot == NONE) eot = findByTextAndMarkControl(END_OF_TURN_TEXTS);
            int eom = specialId("tokenizer.ggml.eom_token_id", NONE);
            if (eom == NONE) eom = findByTextAndMarkControl(Set.of("<|eom_id|>"));
            // FIM prefix/suffix/middle are not end-of-generation, but being found makes them control tokens
            fimId(FIM_PREFIX_TEXTS, "tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.prefix_token_id");
            fimId(FIM_SUFFIX_TEXTS, "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.suffix_token_id");
            fimId(FIM_MIDDLE_TEXTS, "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.middle_token_id");
            int fimPad = fimId(FIM_PAD_TEXTS, "tokenizer.ggml.fim_pad_token_id");
            int fimRepo = fimId(FIM_REPO_TEXTS, "tokenizer.ggml.fim_rep_token_id");
            int fimSeparator = fimId(FIM_SEPARATOR_TEXTS, "tokenizer.ggml.fim_sep_token_id");

            endOfGeneration = new boolean[texts.length];
            for (int id : new int[] {fimPad, fimRepo, fimSeparator, eos, eot, eom}) {
                if (id != NONE) endOfGeneration[id] = true;
            }
            for (int id = 0; id < texts.length; id++) {
                if (END_OF_GENERATION_TEXTS.contains(texts[id])) {
                    endOfGeneration[id] = true;
                    attributes[id] |= CONTROL;
                }
                if (ALWAYS_RENDERED_TEXTS.contains(texts[id])) attributes[id] = USER_DEFINED;
            }
            // o200k_harmony and solar-open end a message with <|end|> but a generation with <|return|>/<|call|>
            int end = endOfGenerationWithText("<|end|>");
            boolean call = endOfGenerationWithText("<|call|>") != NONE || endOfGenerationWithText("<|calls|>") != NONE;
            boolean ret = endOfGenerationWithText("<|return|>") != NONE;
            boolean flush = endOfGenerationWithText("<|flush|>") != NONE;
            if (end != NONE && call && (ret || flush)) {
                endOfGeneration[end] = false;
                attributes[end] = USER_DEFINED;
            }
            // gemma4 and paddleocr use </s> inside a turn
            int closing = endOfGenerationWithText("</s>");
            if (closing != NONE && endOfGenerationWithText("<|tool_response>") != NONE) {
                endOfGeneration[closing] = false;
                attributes[closing] = NORMAL;
            }
        }

        private int endOfGenerationWithText(String text) {
            int id = ids.id(text);
            return id != NONE && endOfGeneration[id] ? id : NONE;
        }

        private int[] collectSpecialTokens() {
            List<Integer> special = new ArrayList<>();
            for (int id = 0; id < texts.length; id++) {
                if ((attributes[id] & (CONTROL | USER_DEFINED | UNKNOWN)) != 0) special.add(id);
            }
            int[] byteLengths = new int[texts.length];
            for (int id : special) byteLengths[id] = texts[id].getBytes(StandardCharsets.UTF_8).length;
            special.sort(Comparator.comparingInt((Integer id) -> byteLengths[id]).reversed());
            return special.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Attributes llama.cpp sets by model, tokenizer or architecture name (absent from GGUF files). */
        private void applyPerModelStripping() {
            String name = metadata.findString("general.name").orElse("").toLowerCase(Locale.ROOT);
            String pre = metadata.findString("tokenizer.ggml.pre").orElse("");
            String architecture = metadata.findString("general.architecture").orElse("");
            if (containsAny(pre, "jina-v2-de", "jina-v2-es", "jina-v2-code")
                    || containsAny(architecture, "nomic-bert-moe", "jina-bert-v3")) {
                setAttribute("<mask>", LSTRIP, true);
            } else if (containsAny(name, "phi-3", "phi3")) {
                for (int id : specialTokensLongestFirst) attributes[id] |= RSTRIP;
                setAttribute("</s>", RSTRIP, true);
                for (String text : List.of("<unk>", "<s>", "<|endoftext|>")) setAttribute(text, RSTRIP, false);
            } else if (name.contains("modern-bert")) {
                setAttribute("[MASK]", LSTRIP, true);
            }
        }

        private void setAttribute(String text, int attribute, boolean value) {
            int id = ids.id(text);
            if (id == NONE) return;
            attributes[id] = value ? attributes[id] | attribute : attributes[id] & ~attribute;
        }

        private static boolean containsAny(String s, String... parts) {
            for (String part : parts) {
                if (s.contains(part)) return true;
            }
            return false;
        }

        private static float[] readScores(GgufMetadata metadata, int n) {
            var entry = metadata.entry("tokenizer.ggml.scores");
            if (entry.isEmpty()) return new float[n];
            float[] scores = switch (entry.get().value()) {
                case float[] floats -> floats;
                case long[] ints when entry.get().elementType() == GgufValueType.INT32 -> {
                    float[] converted = new float[ints.length];
                    for (int i = 0; i < ints.length; i++) converted[i] = ints[i];
                    yield converted;
                }
                default -> throw new GgufException("metadata tokenizer.ggml.scores should be an array of float32 or int32");
            };
            if (scores.length < n) {
                throw new GgufException("metadata tokenizer.ggml.scores has " + scores.length + " entries for " + n + " tokens");
            }
            return scores.length == n ? scores : Arrays.copyOf(scores, n);
        }

        private static int[] readAttributes(GgufMetadata metadata, int n) {
            int[] attributes = new int[n];
            var types = metadata.findIntegerArray("tokenizer.ggml.token_type");
            if (types.isEmpty()) {
                Arrays.fill(attributes, NORMAL);
                return attributes;
            }
            long[] values = types.get();
            if (values.length < n) {
                throw new GgufException("metadata tokenizer.ggml.token_type has " + values.length + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                attributes[i] = switch ((int) values[i]) {
                    case 1 -> NORMAL;
                    case 2 -> UNKNOWN;
                    case 3 -> CONTROL;
                    case 4 -> USER_DEFINED;
                    case 5 -> UNUSED;
                    case 6 -> BYTE;
                    default -> 0; // undefined
                };
            }
            return attributes;
        }
    }
}
