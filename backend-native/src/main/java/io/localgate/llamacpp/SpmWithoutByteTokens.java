package io.localgate.llamacpp;

import io.localgate.llamacpp.ffi.Llama;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * llama.cpp's SentencePiece (SPM) tokenization, redone in Java for the one case where llama.cpp
 * aborts: a vocabulary without byte tokens ({@code <0x00>}..{@code <0xFF>}), asked for a character
 * it cannot spell. llama.cpp's {@code byte_to_token} then throws {@code std::out_of_range} through
 * the C API, which ends the process. Here such a character becomes the unknown token; everything
 * else (special-token splitting, the space prefix, the score-ordered merges) is done as
 * {@code llama_vocab::impl::tokenize} does it, so the two agree on every text llama.cpp can spell.
 *
 * <p>Immutable once built: the vocabulary's texts and scores are copied out of llama.cpp.
 */
final class SpmWithoutByteTokens {

    private static final String SPACE = "\u2581"; // SentencePiece's visible space, "▁"

    private final Map<String, Integer> ids;
    private final float[] scores;
    /** Tokens that split text before the merges, longest text first (as llama.cpp sorts them). */
    private final List<Special> specials;
    private final int[] byteTokens; // -1 where the vocabulary has no token for a byte
    private final int unknown;
    private final boolean addSpacePrefix;
    private final boolean addBos;
    private final boolean addEos;
    private final int bos;
    private final int eos;

    private record Special(int id, String text, boolean parsedOnlyWhenAsked, boolean lstrip, boolean rstrip) {
    }

    private SpmWithoutByteTokens(Map<String, Integer> ids, float[] scores, List<Special> specials, int[] byteTokens, int unknown,
                                 boolean addSpacePrefix, boolean addBos, boolean addEos, int bos, int eos) {
        this.ids = ids;
        this.scores = scores;
        this.specials = specials;
        this.byteTokens = byteTokens;
        this.unknown = unknown;
        this.addSpacePrefix = addSpacePrefix;
        this.addBos = addBos;
        this.addEos = addEos;
        this.bos = bos;
        this.eos = eos;
    }

    /**
     * Reads the vocabulary; null when every byte has a token, so that llama.cpp can spell any text.
     *
     * @param unknownToken the file's unknown token, or -1: then the token marked unknown, else 0 (llama.cpp's SPM default)
     */
    static SpmWithoutByteTokens ifNeeded(Llama api, MemorySegment vocab, int vocabSize, boolean addSpacePrefix, int unknownToken) {
        var ids = new HashMap<String, Integer>(vocabSize * 2);
        float[] scores = new float[vocabSize];
        var specials = new ArrayList<Special>();
        int unknown = unknownToken;
        for (int id = 0; id < vocabSize; id++) {
            String text = api.vocabGetText(vocab, id).reinterpret(Integer.MAX_VALUE).getString(0);
            ids.put(text, id); // a later duplicate wins, as in llama.cpp's token_to_id
            scores[id] = api.vocabGetScore(vocab, id);
            int attr = api.vocabGetAttr(vocab, id);
            if ((attr & Llama.TOKEN_ATTR_UNKNOWN) != 0 && unknown < 0) unknown = id;
            if ((attr & (Llama.TOKEN_ATTR_CONTROL | Llama.TOKEN_ATTR_USER_DEFINED | Llama.TOKEN_ATTR_UNKNOWN)) != 0) {
                specials.add(new Special(id, text, (attr & (Llama.TOKEN_ATTR_CONTROL | Llama.TOKEN_ATTR_UNKNOWN)) != 0,
                        (attr & Llama.TOKEN_ATTR_LSTRIP) != 0, (attr & Llama.TOKEN_ATTR_RSTRIP) != 0));
            }
        }
        int[] byteTokens = new int[256];
        boolean complete = true;
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            // llama.cpp falls back to the byte itself as a one-character token (for ASCII only a valid string)
            if (id == null && b < 0x80) id = ids.get(String.valueOf((char) b));
            byteTokens[b] = id == null ? -1 : id;
            complete &= id != null;
        }
        if (complete) return null;
        if (unknown < 0 || unknown >= vocabSize) unknown = 0;
        specials.sort(Comparator.comparingInt((Special s) -> s.text().getBytes(StandardCharsets.UTF_8).length).reversed());
        return new SpmWithoutByteTokens(ids, scores, List.copyOf(specials), byteTokens, unknown, addSpacePrefix,
                api.vocabGetAddBos(vocab), api.vocabGetAddEos(vocab), api.vocabBos(vocab), api.vocabEos(vocab));
    }

    /**
     * Whether llama.cpp can tokenize the text: every character (spaces as "▁", the space prefix
     * included) is a token of its own or has byte tokens. Merges never need a character that is
     * not one of those, so this is enough.
     */
    boolean llamaCanSpell(String text) {
        if (addSpacePrefix && !ids.containsKey(SPACE)) return false;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (!spellable(c == ' ' ? SPACE : Character.toString(c))) return false;
        }
        return true;
    }

    private boolean spellable(String character) {
        if (ids.containsKey(character)) return true;
        for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
            if (byteTokens[b & 0xff] < 0) return false;
        }
        return true;
    }

    /** {@code llama_tokenize} for this vocabulary, with the unknown token for what it cannot spell. */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        var out = new ArrayList<Integer>();
        boolean previousSpecial = true; // the first fragment gets the space prefix
        if (addSpecial && addBos) out.add(bos);
        for (Object fragment : text.isEmpty() ? List.of() : partition(text, parseSpecial)) {
            if (fragment instanceof Integer special) {
                out.add(special);
                previousSpecial = true;
            } else {
                String raw = (String) fragment;
                merge(((addSpacePrefix && previousSpecial) ? " " + raw : raw).replace(" ", SPACE), out);
                previousSpecial = false;
            }
        }
        if (addSpecial && addEos) out.add(eos);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Splits the text at special tokens' texts: fragments are Strings (raw text) or Integers (token ids). */
    private List<Object> partition(String text, boolean parseSpecial) {
        List<Object> fragments = new ArrayList<>(List.of(text));
        for (Special special : specials) {
            if (special.parsedOnlyWhenAsked() && !parseSpecial) continue;
            var next = new ArrayList<>(fragments.size());
            for (Object fragment : fragments) {
                if (!(fragment instanceof String raw)) {
                    next.add(fragment);
                    continue;
                }
                int from = 0;
                int match;
                while ((match = raw.indexOf(special.text(), from)) >= 0) {
                    int leftEnd = match;
                    if (special.lstrip()) while (leftEnd > from && isSpace(raw.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > from) next.add(raw.substring(from, leftEnd));
                    next.add(special.id());
                    from = match + special.text().length();
                    if (special.rstrip()) while (from < raw.length() && isSpace(raw.charAt(from))) from++;
                }
                if (from < raw.length()) next.add(raw.substring(from));
            }
            fragments = next;
        }
        return fragments;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r'); // C's isspace in the "C" locale
    }

    /** A pair of adjacent symbols whose joined text is a token. */
    private record Bigram(int left, int right, float score, int length) {
    }

    /**
     * {@code llm_tokenizer_spm_session::tokenize}: start from single characters, repeatedly join the
     * adjacent pair whose joined text is the highest-scoring token (the leftmost on a tie), then emit
     * each remaining symbol as its token, its byte tokens, or the unknown token.
     */
    private void merge(String text, List<Integer> out) {
        int[] widths = text.codePoints().map(Character::charCount).toArray();
        int n = widths.length;
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            start[i] = offset;
            length[i] = widths[i];
            offset += widths[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        var queue = new PriorityQueue<Bigram>(Comparator.comparingDouble((Bigram b) -> b.score()).reversed()
                .thenComparingInt(Bigram::left));
        for (int i = 1; i < n; i++) addBigram(text, start, length, i - 1, i, queue);
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length()) continue;
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            addBigram(text, start, length, prev[left], left, queue);
            addBigram(text, start, length, left, next[left], queue);
        }
        for (int i = n == 0 ? -1 : 0; i != -1; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + length[i]);
            Integer id = ids.get(symbol);
            if (id != null) {
                out.add(id);
            } else {
                spell(symbol, out);
            }
        }
    }

    private void addBigram(String text, int[] start, int[] length, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) return;
        int joined = length[left] + length[right];
        Integer id = ids.get(text.substring(start[left], start[left] + joined));
        if (id != null) queue.add(new Bigram(left, right, scores[id], joined));
    }

    /** A symbol that is no token (a single character): its byte tokens where all exist, else the unknown token. */
    private void spell(String character, List<Integer> out) {
        byte[] bytes = character.getBytes(StandardCharsets.UTF_8);
        int[] spelled = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) spelled[i] = byteTokens[bytes[i] & 0xff];
        if (Arrays.stream(spelled).allMatch(id -> id >= 0)) {
            for (int id : spelled) out.add(id);
        } else {
            out.add(unknown);
        }
    }
}
