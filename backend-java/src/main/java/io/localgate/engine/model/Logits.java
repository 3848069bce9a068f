package io.localgate.engine.model;

/**
 * The logits a forward step produced, one row of {@code vocabSize} per batch row that asked, in batch
 * order. Owned by the model and overwritten by the next step.
 */
public final class Logits {

    private final float[] values;
    private final int vocabSize;
    private int rows;

    Logits(int capacity, int vocabSize) {
        this.values = new float[capacity * vocabSize];
        this.vocabSize = vocabSize;
    }

    float[] values() {
        return values;
    }

    void setRows(int rows) {
        this.rows = rows;
    }

    public int rows() {
        return rows;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public float get(int row, int token) {
        return values[checked(row) * vocabSize + token];
    }

    /** Copies one row into {@code out} (of at least {@code vocabSize}). */
    public void copyRow(int row, float[] out) {
        System.arraycopy(values, checked(row) * vocabSize, out, 0, vocabSize);
    }

    private int checked(int row) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("logits row " + row + " of " + rows);
        return row;
    }
}
