package io.localgate.engine.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to non-negative ints, filled once while a vocabulary loads and
 * only read afterwards (so it is safe to share between threads once published). Holds the BPE merge
 * ranks keyed by the packed pair of piece ids, without boxing hundreds of thousands of entries.
 */
final class LongIntMap {

    private static final long EMPTY = Long.MIN_VALUE;

    private final long[] keys;
    private final int[] values;
    private final int mask;

    LongIntMap(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /** Adds the entry unless the key is already there (the first value wins); returns whether it was added. */
    boolean putIfAbsent(long key, int value) {
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) return false;
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = value;
        return true;
    }

    /** The value for the key, or -1. */
    int get(long key) {
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) return values[slot];
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
