package io.localgate.engine.tokenizer;

/**
 * Token texts to token ids: an open-addressing table of ids, probed with {@link String#hashCode()}'s hash.
 * It finds a stretch of a string (or two stretches joined) without building the substring, which is what
 * the merge loops and the loading of 150k-token vocabularies spend their time on. As in llama.cpp, of two
 * tokens with the same text the later one wins. Read-only after construction.
 */
final class TextIndex {

    private final String[] texts;
    /** Token id + 1 per slot; 0 is an empty slot. */
    private final int[] slots;
    private final int mask;

    TextIndex(String[] texts) {
        this.texts = texts;
        int capacity = Integer.highestOneBit(Math.max(4, texts.length * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < texts.length; id++) {
            String text = texts[id];
            int slot = slot(text.hashCode());
            while (slots[slot] != 0 && !texts[slots[slot] - 1].equals(text)) slot = (slot + 1) & mask;
            slots[slot] = id + 1;
        }
    }

    /** The token whose text this is, or -1. */
    int id(String text) {
        int slot = slot(text.hashCode());
        for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & mask) {
            if (texts[entry - 1].equals(text)) return entry - 1;
        }
        return -1;
    }

    /** The token whose text is {@code s[from, to)}, or -1. */
    int id(String s, int from, int to) {
        return idOfJoined(s, from, to, to, to);
    }

    /** The token whose text is {@code s[from1, to1)} followed by {@code s[from2, to2)}, or -1. */
    int idOfJoined(String s, int from1, int to1, int from2, int to2) {
        int hash = 0;
        for (int i = from1; i < to1; i++) hash = 31 * hash + s.charAt(i);
        for (int i = from2; i < to2; i++) hash = 31 * hash + s.charAt(i);
        int length1 = to1 - from1;
        int length = length1 + to2 - from2;
        int slot = slot(hash);
        for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & mask) {
            String text = texts[entry - 1];
            if (text.length() == length && text.regionMatches(0, s, from1, length1)
                    && text.regionMatches(length1, s, from2, length - length1)) {
                return entry - 1;
            }
        }
        return -1;
    }

    private int slot(int hash) {
        int mixed = hash * 0x9E3779B9;
        return (mixed ^ (mixed >>> 16)) & mask;
    }
}
