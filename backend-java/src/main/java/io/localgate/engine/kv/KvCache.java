package io.localgate.engine.kv;

import io.localgate.engine.tensor.HalfFloat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Keys and values of every layer for a fixed number of sequence slots, {@code contextSize} positions
 * each, stored off-heap as F16 (llama.cpp's default cache type). Layout per layer:
 * {@code [slot][position][kvDim]}, so that one slot's history is contiguous. A slot remembers how many
 * positions it holds; clearing a slot forgets them.
 *
 * <p>Not thread-safe: owned by one scheduler loop (the compute threads only read it during a step).
 */
public final class KvCache implements AutoCloseable {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int slots;
    private final int contextSize;
    private final int kvDim;
    private final Arena arena;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final int[] lengths;

    public KvCache(int layers, int slots, int contextSize, int kvDim) {
        this.slots = slots;
        this.contextSize = contextSize;
        this.kvDim = kvDim;
        this.arena = Arena.ofShared();
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        long perLayer = (long) slots * contextSize * kvDim * Short.BYTES;
        try {
            for (int l = 0; l < layers; l++) {
                keys[l] = arena.allocate(perLayer, 64);
                values[l] = arena.allocate(perLayer, 64);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
        this.lengths = new int[slots];
    }

    public int layers() {
        return keys.length;
    }

    public int slots() {
        return slots;
    }

    public int contextSize() {
        return contextSize;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Positions {@code 0 .. length - 1} of the slot hold keys and values. */
    public int length(int slot) {
        return lengths[slot];
    }

    public void clear(int slot) {
        lengths[slot] = 0;
    }

    /** Keeps only positions {@code 0 .. length - 1} of the slot. */
    public void truncate(int slot, int length) {
        if (length < 0 || length > lengths[slot]) {
            throw new IllegalArgumentException("cannot keep " + length + " of the " + lengths[slot] + " positions of slot " + slot);
        }
        lengths[slot] = length;
    }

    /** Replaces what slot {@code to} holds with the first {@code length} positions of slot {@code from}, in every layer. */
    public void copyPrefix(int from, int to, int length) {
        if (length < 0 || length > lengths[from]) {
            throw new IllegalArgumentException("cannot copy " + length + " of the " + lengths[from] + " positions of slot " + from);
        }
        if (from == to) {
            truncate(to, length);
            return;
        }
        long bytes = length * rowStride();
        for (int l = 0; l < keys.length; l++) {
            MemorySegment.copy(keys[l], rowOffset(from, 0), keys[l], rowOffset(to, 0), bytes);
            MemorySegment.copy(values[l], rowOffset(from, 0), values[l], rowOffset(to, 0), bytes);
        }
        lengths[to] = length;
    }

    /**
     * Makes room for {@code position} in the slot before a step writes it: positions are written in
     * order, and writing an earlier position again forgets everything after it.
     */
    public void reserve(int slot, int position) {
        if (position < 0 || position >= contextSize) {
            throw new IllegalArgumentException("position " + position + " is outside the context of " + contextSize);
        }
        if (position > lengths[slot]) {
            throw new IllegalArgumentException("position " + position + " skips past the " + lengths[slot] + " positions cached in slot " + slot);
        }
        lengths[slot] = position + 1;
    }

    /** Stores the key and value of a {@link #reserve reserved} position, rounded to F16. */
    public void store(int layer, int slot, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (position >= lengths[slot]) throw new IllegalStateException("position " + position + " of slot " + slot + " was not reserved");
        long offset = rowOffset(slot, position);
        for (int i = 0; i < kvDim; i++) {
            keys[layer].set(F16, offset + 2L * i, HalfFloat.f32ToF16(key[keyOffset + i]));
            values[layer].set(F16, offset + 2L * i, HalfFloat.f32ToF16(value[valueOffset + i]));
        }
    }

    public MemorySegment keys(int layer) {
        return keys[layer];
    }

    public MemorySegment values(int layer) {
        return values[layer];
    }

    /** Byte offset of a position's row in a layer's keys or values. */
    public long rowOffset(int slot, int position) {
        return ((long) slot * contextSize + position) * kvDim * Short.BYTES;
    }

    /** Bytes between consecutive positions. */
    public long rowStride() {
        return (long) kvDim * Short.BYTES;
    }

    @Override
    public void close() {
        arena.close();
    }
}
