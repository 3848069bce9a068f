package io.localgate.engine.tokenizer;

import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufMetadata;

import java.util.HashMap;
import java.util.Map;

/**
 * Byte-level BPE, as llama.cpp's {@code llm_tokenizer_bpe_session}: the pre-tokenizer cuts the text into
 * words, each word's UTF-8 bytes are written in GPT-2's byte alphabet, and within a word the adjacent pair
 * with the lowest merge rank is merged until no ranked pair is left.
 *
 * <p>Every string the merges can produce gets a piece id (the token id for vocabulary texts), so the merge
 * loop compares ints: a pair of piece ids maps to its rank, a rank to the piece id of the merged string.
 */
final class BpeEncoder implements TextEncoder {

    private final Vocabulary vocab;
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final LongIntMap rankOfPair;
    private final int[] mergedPieceOfRank;
    /** Piece id of each byte's one-character string, or -1. */
    private final int[] pieceOfByte = new int[256];

    BpeEncoder(Vocabulary vocab, GgufMetadata metadata, BpePreTokenizer pre) {
        this.vocab = vocab;
        this.preTokenizer = pre.preTokenizer();
        this.ignoreMerges = pre.ignoresMerges();
        String[] merges = metadata.findStringArray("tokenizer.ggml.merges")
                .orElseThrow(() -> new GgufException("metadata tokenizer.ggml.merges is missing"));

        Map<String, Integer> extraPieces = new HashMap<>();
        rankOfPair = new LongIntMap(merges.length);
        mergedPieceOfRank = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            // "left right"; llama.cpp splits at the first space after the first character (none: an empty pair)
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1);
            int leftEnd = space < 0 ? 0 : space;
            int rightStart = space < 0 ? merge.length() : space + 1;
            long pair = pair(piece(merge, 0, leftEnd, extraPieces), piece(merge, rightStart, merge.length(), extraPieces));
            if (rankOfPair.putIfAbsent(pair, rank)) {
                int merged = vocab.idOfJoined(merge, 0, leftEnd, rightStart, merge.length());
                mergedPieceOfRank[rank] = merged != Vocabulary.NONE ? merged
                        : extraPiece(merge.substring(0, leftEnd) + merge.substring(rightStart), extraPieces);
            }
        }
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevel.charOf(b));
            int id = vocab.id(s);
            pieceOfByte[b] = id != Vocabulary.NONE ? id : extraPieces.getOrDefault(s, -1);
        }
    }

    /** The piece id of {@code s[from, to)}: its token id, or an id of its own beyond the vocabulary. */
    private int piece(String s, int from, int to, Map<String, Integer> extraPieces) {
        int id = vocab.id(s, from, to);
        return id != Vocabulary.NONE ? id : extraPiece(s.substring(from, to), extraPieces);
    }

    private int extraPiece(String text, Map<String, Integer> extraPieces) {
        return extraPieces.computeIfAbsent(text, t -> vocab.size() + extraPieces.size());
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public void encode(String text, boolean afterSpecialOrStart, IntList out) {
        int[] cpts = text.codePoints().toArray();
        Utf8 utf8 = Utf8.of(cpts);
        IntList words = preTokenizer.split(cpts);
        int cpt = 0;
        for (int w = 0; w < words.size(); w++) {
            int length = words.get(w);
            int from = utf8.offsets()[cpt];
            int to = utf8.offsets()[cpt + length];
            cpt += length;
            if (to > from) encodeWord(utf8.bytes(), from, to, out);
        }
    }

    private void encodeWord(byte[] bytes, int from, int to, IntList out) {
        if (ignoreMerges) {
            int whole = vocab.id(byteLevelString(bytes, from, to));
            if (whole != Vocabulary.NONE) {
                out.add(whole);
                return;
            }
        }
        int n = to - from;
        int[] piece = new int[n];
        int[] length = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            piece[i] = pieceOfByte[bytes[from + i] & 0xFF];
            length[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // candidate merges, lowest rank first and leftmost among equal ranks: (rank << 32) | left symbol
        LongHeap queue = new LongHeap();
        for (int i = 0; i + 1 < n; i++) offer(queue, piece, i, i + 1);
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = length[left] > 0 ? next[left] : -1;
            // a stale candidate: its symbols have merged with others since it was queued
            if (right < 0 || rankOf(piece[left], piece[right]) != rank) continue;
            piece[left] = mergedPieceOfRank[rank];
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) offer(queue, piece, prev[left], left);
            if (next[left] >= 0) offer(queue, piece, left, next[left]);
        }
        for (int i = 0; i >= 0; i = next[i]) {
            if (piece[i] >= 0 && piece[i] < vocab.size()) {
                out.add(piece[i]);
            } else {
                appendKnownCharacters(bytes, from + i, from + i + length[i], out);
            }
        }
    }

    private void offer(LongHeap queue, int[] piece, int left, int right) {
        int rank = rankOf(piece[left], piece[right]);
        if (rank >= 0) queue.push(((long) rank << 32) | left);
    }

    private int rankOf(int left, int right) {
        return left < 0 || right < 0 ? -1 : rankOfPair.get(pair(left, right));
    }

    /**
     * llama.cpp's fallback for a merged string that is not a token: it looks each UTF-8 byte of the
     * byte-level string up on its own, which finds only the ASCII characters; the others are dropped.
     */
    private void appendKnownCharacters(byte[] bytes, int from, int to, IntList out) {
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xFF;
            if (ByteLevel.charOf(b) < 0x80 && pieceOfByte[b] >= 0 && pieceOfByte[b] < vocab.size()) {
                out.add(pieceOfByte[b]);
            }
        }
    }

    private static String byteLevelString(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) chars[i - from] = ByteLevel.charOf(bytes[i] & 0xFF);
        return new String(chars);
    }
}
