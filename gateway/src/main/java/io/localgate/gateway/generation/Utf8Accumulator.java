package io.localgate.gateway.generation;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Joins token pieces (bytes that may end inside a multi-byte UTF-8 character) into text, releasing
 * text only up to the last complete character. Invalid bytes come out as U+FFFD.
 */
final class Utf8Accumulator {

    private byte[] pending = new byte[16];
    private int length;

    /** Adds a piece; returns the text that is complete now (possibly empty). */
    String append(byte[] piece) {
        if (length + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, length + piece.length));
        }
        System.arraycopy(piece, 0, pending, length, piece.length);
        length += piece.length;
        return release(completeLength());
    }

    /** Everything still held; an unfinished character at the end becomes U+FFFD. */
    String flush() {
        return release(length);
    }

    private String release(int count) {
        if (count == 0) return "";
        String text = new String(pending, 0, count, StandardCharsets.UTF_8);
        System.arraycopy(pending, count, pending, 0, length - count);
        length -= count;
        return text;
    }

    /** How many leading bytes do not end in the middle of a character that more bytes could still complete. */
    private int completeLength() {
        int i = length - 1;
        while (i >= 0 && length - i <= 3 && isContinuation(pending[i])) i--;
        if (i < 0 || isContinuation(pending[i])) return length;
        int lead = pending[i] & 0xFF;
        int sequenceLength = lead >= 0xF5 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
        return length - i < sequenceLength ? i : length;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
