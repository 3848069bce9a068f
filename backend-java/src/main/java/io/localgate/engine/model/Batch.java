package io.localgate.engine.model;

/**
 * The rows of one forward step: each row is a token at a position in a sequence slot, and may ask for
 * the logits that follow it. Prompt prefill, decoding and continuous batching all fill the same batch.
 * Rows of one slot must come in increasing positions, continuing what the slot has cached.
 *
 * <p>A reusable buffer (cleared each step) so that stepping allocates nothing.
 */
public final class Batch {

    private final int[] tokens;
    private final int[] positions;
    private final int[] slots;
    private final int[] outputRows;
    private int size;
    private int outputs;

    public Batch(int capacity) {
        tokens = new int[capacity];
        positions = new int[capacity];
        slots = new int[capacity];
        outputRows = new int[capacity];
    }

    /**
     * Adds a row.
     *
     * @return the row's index among the rows that want logits, or -1
     */
    public int add(int token, int position, int slot, boolean wantLogits) {
        if (size == tokens.length) throw new IllegalStateException("batch is full (" + tokens.length + " rows)");
        tokens[size] = token;
        positions[size] = position;
        slots[size] = slot;
        int output = -1;
        if (wantLogits) {
            output = outputs;
            outputRows[outputs++] = size;
        }
        size++;
        return output;
    }

    public void clear() {
        size = 0;
        outputs = 0;
    }

    public int size() {
        return size;
    }

    public int token(int row) {
        return tokens[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public int slot(int row) {
        return slots[row];
    }

    /** How many rows want logits. */
    public int outputs() {
        return outputs;
    }

    /** The row of the {@code output}-th row that wants logits. */
    public int outputRow(int output) {
        return outputRows[output];
    }
}
