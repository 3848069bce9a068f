package io.localgate.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece BPE, as llama.cpp's {@code llm_tokenizer_spm_session}: spaces become {@code ▁} (with one
 * prefixed where the vocabulary asks), the text starts as one symbol per code point, and the adjacent pair
 * whose concatenation is the token with the highest score is merged until no pair forms a token.
 *
 * <p>A symbol left that is no token is spelt with byte tokens ({@code <0xNN>}). A vocabulary without them
 * (TinyStories-656K) makes llama.cpp abort there; this gives the unknown token for such a character instead.
 */
final class SpmEncoder implements TextEncoder {

    private static final char SPACE_MARK = '\u2581';
    /** The priority of a pair that forms no token (scores map to other values, NaN being canonical). */
    private static final int NO_TOKEN = Integer.MIN_VALUE;

    private final Vocabulary vocab;
    /** The token spelling each byte, or {@link Vocabulary#NONE}. */
    private final int[] byteTokens = new int[256];

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            // llama.cpp falls back to the byte as a one-byte string, which only an ASCII token can be
            if (id == Vocabulary.NONE && b < 0x80) id = vocab.id(String.valueOf((char) b));
            byteTokens[b] = id;
        }
    }

    @Override
    public void encode(String text, boolean afterSpecialOrStart, IntList out) {
        String s = (vocab.addSpacePrefix() && afterSpecialOrStart ? " " + text : text).replace(' ', SPACE_MARK);
        int n = s.codePointCount(0, s.length());
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            start[i] = offset;
            length[i] = Character.charCount(s.codePointAt(offset));
            offset += length[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // candidate merges, highest score first and leftmost among equal scores: (~score << 32) | left symbol
        LongHeap queue = new LongHeap();
        for (int i = 1; i < n; i++) offer(queue, s, start, length, i - 1, i);
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int left = (int) top;
            int right = length[left] > 0 ? next[left] : -1;
            // a stale candidate: its symbols have merged with others since it was queued
            if (right < 0 || priority(s, start, length, left, right) != (int) (top >> 32)) continue;
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) offer(queue, s, start, length, prev[left], left);
            if (next[left] >= 0) offer(queue, s, start, length, left, next[left]);
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            int token = vocab.id(s, start[i], start[i] + length[i]);
            if (token != Vocabulary.NONE) {
                out.add(token);
            } else {
                appendBytes(s.substring(start[i], start[i] + length[i]), out);
            }
        }
    }

    private void offer(LongHeap queue, String s, int[] start, int[] length, int left, int right) {
        int priority = priority(s, start, length, left, right);
        if (priority != NO_TOKEN) queue.push(((long) priority << 32) | left);
    }

    /** The merge priority of the pair (lower first), or {@link #NO_TOKEN} when it forms no token. */
    private int priority(String s, int[] start, int[] length, int left, int right) {
        int token = vocab.id(s, start[left], start[right] + length[right]);
        return token == Vocabulary.NONE ? NO_TOKEN : ~orderedBits(vocab.score(token));
    }

    /** Float bits as an int with the same order as the floats (with -0 equal to +0). */
    private static int orderedBits(float value) {
        int bits = Float.floatToIntBits(value == 0 ? 0f : value);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    private void appendBytes(String symbol, IntList out) {
        byte[] bytes = symbol.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteTokens[b & 0xFF] == Vocabulary.NONE) {
                if (vocab.unknown() != Vocabulary.NONE) out.add(vocab.unknown());
                return;
            }
        }
        for (byte b : bytes) out.add(byteTokens[b & 0xFF]);
    }
}
