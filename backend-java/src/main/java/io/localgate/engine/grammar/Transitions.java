package io.localgate.engine.grammar;

import java.util.Arrays;

/**
 * A growable open-addressing map from a (state id, code point) pair to the id of the state it leads to:
 * the matcher's memory of steps already taken, so a trie walk through a long JSON string costs a lookup
 * per node instead of rebuilding parser stacks.
 */
final class Transitions {

    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] values;
    private int size;

    Transitions() {
        keys = new long[1 << 12];
        values = new int[1 << 12];
        Arrays.fill(keys, EMPTY);
    }

    static long key(int state, int codePoint) {
        return (long) state << 21 | codePoint;
    }

    /** The target state's id, or -1. */
    int get(long key) {
        int mask = keys.length - 1;
        for (int slot = slot(key, mask); ; slot = (slot + 1) & mask) {
            if (keys[slot] == key) return values[slot];
            if (keys[slot] == EMPTY) return -1;
        }
    }

    void put(long key, int value) {
        if (2 * (size + 1) > keys.length) grow();
        int mask = keys.length - 1;
        int slot = slot(key, mask);
        while (keys[slot] != EMPTY && keys[slot] != key) slot = (slot + 1) & mask;
        if (keys[slot] == EMPTY) size++;
        keys[slot] = key;
        values[slot] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) put(oldKeys[i], oldValues[i]);
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }
}
