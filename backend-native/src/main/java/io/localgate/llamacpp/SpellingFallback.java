package io.localgate.llamacpp;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Text that llama.cpp cannot tokenize, and who tokenizes it instead. For a SentencePiece vocabulary
 * without byte tokens ({@code <0x00>}..{@code <0xFF>}; TinyStories-656K has none), llama.cpp's
 * {@code byte_to_token} throws {@code std::out_of_range} through the C API on a character it cannot
 * spell, which ends the process. Such text goes to the {@code java} backend's tokenizer instead: it
 * tokenizes as llama.cpp does and spells those characters with the unknown token, so the two backends
 * agree on it as well.
 */
final class SpellingFallback {

    private static final String SPACE = "\u2581"; // SentencePiece's visible space, "▁"

    private final Set<String> tokens;
    private final boolean[] byteTokens;
    private final boolean addSpacePrefix;
    private final Tokenizer tokenizer;

    private SpellingFallback(Set<String> tokens, boolean[] byteTokens, boolean addSpacePrefix, Tokenizer tokenizer) {
        this.tokens = tokens;
        this.byteTokens = byteTokens;
        this.addSpacePrefix = addSpacePrefix;
        this.tokenizer = tokenizer;
    }

    /** The fallback for a file's vocabulary; empty when llama.cpp can tokenize any text with it. */
    static Optional<SpellingFallback> forVocabulary(GgufMetadata metadata) {
        // only SentencePiece spells unknown characters with byte tokens
        if (!metadata.findString("tokenizer.ggml.model").orElse("").equals("llama")) return Optional.empty();
        Set<String> tokens = new HashSet<>(Arrays.asList(metadata.getStringArray("tokenizer.ggml.tokens")));
        boolean[] byteTokens = new boolean[256];
        boolean complete = true;
        for (int b = 0; b < 256; b++) {
            // llama.cpp spells a byte as <0xNN>, else as the one-byte string, which only an ASCII token can be
            byteTokens[b] = tokens.contains(String.format("<0x%02X>", b)) || (b < 0x80 && tokens.contains(String.valueOf((char) b)));
            complete &= byteTokens[b];
        }
        if (complete) return Optional.empty();
        boolean addSpacePrefix = metadata.findBoolean("tokenizer.ggml.add_space_prefix").orElse(true);
        return Optional.of(new SpellingFallback(tokens, byteTokens, addSpacePrefix, Tokenizers.fromGguf(metadata)));
    }

    /**
     * Whether llama.cpp can tokenize the text: every character (spaces as "▁", the space prefix
     * included) is a token of its own or has byte tokens. Merges only ever join such characters.
     */
    boolean llamaCanSpell(String text) {
        if (addSpacePrefix && !tokens.contains(SPACE)) return false;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (!spellable(c == ' ' ? SPACE : Character.toString(c))) return false;
        }
        return true;
    }

    private boolean spellable(String character) {
        if (tokens.contains(character)) return true;
        for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
            if (!byteTokens[b & 0xff]) return false;
        }
        return true;
    }

    int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }
}
