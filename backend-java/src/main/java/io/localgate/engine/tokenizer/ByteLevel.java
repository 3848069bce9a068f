package io.localgate.engine.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's byte-level alphabet: every byte is written as one printable code point, so that byte-level BPE
 * vocabularies hold only visible characters (a space is {@code Ġ}, a newline {@code Ċ}). The printable
 * bytes {@code !..~}, {@code ¡..¬} and {@code ®..ÿ} stand for themselves; the other 68 bytes, in order,
 * become U+0100, U+0101, ...
 */
final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
        Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
    }

    private ByteLevel() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a code point of the alphabet stands for, or -1 when it is not in the alphabet. */
    static int byteOf(int cpt) {
        return cpt >= 0 && cpt < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cpt] : -1;
    }
}
