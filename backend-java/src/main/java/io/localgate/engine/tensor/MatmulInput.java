package io.localgate.engine.tensor;

import java.util.Arrays;

/**
 * Activation rows on their way into matrix products. The rows are set once per use; the form each
 * weight type needs ({@link DotType}) is made from them on demand and kept until the rows change, so
 * that the Q, K and V projections of the same rows share one quantization. Buffers are allocated once,
 * for {@code capacity} rows.
 *
 * <p>Each row also says whether it is one of several rows of its sequence in this product. llama.cpp
 * multiplies such rows with its matrix-matrix kernels (tinyBLAS) and single rows with its
 * matrix-vector kernels; for float weights the two sum in different orders, so the kernels follow the
 * row's flag to round as llama.cpp would for that sequence alone.
 */
public final class MatmulInput {

    private final int cols;
    private final int capacity;
    private float[] values;
    private boolean[] multiRow;
    private int rows;

    private float[] f16;
    private short[] bf16;
    private byte[] quants;
    private float[] scales;
    private float[] sums;
    private byte[] kQuants;
    private float[] quantFloats;
    private float[] quantFloatsInOrder;
    private float[] pairQuarters;
    private float[] pairScales;
    private float[] kQuantFloats;
    private float[] kQuantFloatsInOrder;
    private float[] kScales;
    private short[] kSums;
    private boolean f16Ready;
    private boolean bf16Ready;
    private boolean quantized;
    private boolean summed;
    private boolean kQuantized;

    public MatmulInput(int capacity, int cols) {
        this.capacity = capacity;
        this.cols = cols;
    }

    /**
     * Uses the first {@code rows} rows of {@code values} (row-major, {@code cols} per row); not copied.
     *
     * @param multiRow per row: whether its sequence has more than one row in this product
     */
    public MatmulInput set(float[] values, int rows, boolean[] multiRow) {
        if (rows > capacity) throw new IllegalArgumentException(rows + " rows exceed the capacity of " + capacity);
        if (values.length < rows * cols) throw new IllegalArgumentException("too few values for " + rows + " rows of " + cols);
        this.values = values;
        this.rows = rows;
        this.multiRow = multiRow;
        this.f16Ready = false;
        this.bf16Ready = false;
        this.quantized = false;
        this.summed = false;
        this.kQuantized = false;
        return this;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    boolean multiRow(int row) {
        return multiRow[row];
    }

    /** Makes the form {@code type} needs. Call before handing the input to several threads. */
    public void prepare(DotType type) {
        switch (type) {
            case F32 -> { }
            case F16 -> roundToF16();
            case BF16 -> roundToBf16();
            case Q8_0 -> quantize();
            case Q8_1 -> sum();
            case Q8_K -> quantizeK();
        }
    }

    /** The rows as they are. */
    float[] f32() {
        return values;
    }

    /** The rows rounded to F16, as floats. */
    float[] f16() {
        if (!f16Ready) throw new IllegalStateException("input not prepared for F16");
        return f16;
    }

    /** The rows as BF16 bits. */
    short[] bf16() {
        if (!bf16Ready) throw new IllegalStateException("input not prepared for BF16");
        return bf16;
    }

    /** Q8_0 quants, {@code cols} per row. */
    byte[] q8Quants() {
        if (!quantized) throw new IllegalStateException("input not prepared for Q8_0");
        return quants;
    }

    /** {@link #q8Quants()} as floats, each block of 32 in {@link QuantBlocks#quartered} order. */
    float[] q8QuartersAsFloats() {
        if (!quantized) throw new IllegalStateException("input not prepared for Q8_0");
        return quantFloats;
    }

    /** {@link #q8Quants()} as floats, in element order. */
    float[] q8AsFloats() {
        if (!quantized) throw new IllegalStateException("input not prepared for Q8_0");
        return quantFloatsInOrder;
    }

    /**
     * {@link #q8Quants()} as floats, rows in pairs (for two rows or more): for pair {@code p} (rows
     * {@code 2p}, {@code 2p + 1}; a missing second row is zeros), block {@code k} and quarter {@code q}, 16
     * floats at {@code ((p * blocks + k) * 4 + q) * 16}: element {@code 4l + q} of row {@code 2p} in lane
     * {@code l}, of row {@code 2p + 1} in lane {@code 8 + l} (the layout {@link PairKernels} multiplies).
     */
    float[] q8PairQuarters() {
        if (!quantized || rows < 2) throw new IllegalStateException("input not prepared for Q8_0 in pairs");
        return pairQuarters;
    }

    /** {@link #q8Scales()} beside {@link #q8PairQuarters()}: per pair and block, 16 floats, row {@code 2p}'s scale 8 times, then row {@code 2p + 1}'s. */
    float[] q8PairScales() {
        if (!quantized || rows < 2) throw new IllegalStateException("input not prepared for Q8_0 in pairs");
        return pairScales;
    }

    /** Q8_0 block scales, {@code cols / 32} per row. */
    float[] q8Scales() {
        return scales;
    }

    /** Q8_1's {@code s}: each Q8_0 block's scale times the sum of its quants, rounded to F16, {@code cols / 32} per row. */
    float[] q8Sums() {
        if (!summed) throw new IllegalStateException("input not prepared for Q8_1");
        return sums;
    }

    /** Q8_K quants, {@code cols} per row. */
    byte[] q8kQuants() {
        if (!kQuantized) throw new IllegalStateException("input not prepared for Q8_K");
        return kQuants;
    }

    /** {@link #q8kQuants()} as floats, each block of 32 in {@link QuantBlocks#quartered} order. */
    float[] q8kQuartersAsFloats() {
        if (!kQuantized) throw new IllegalStateException("input not prepared for Q8_K");
        return kQuantFloats;
    }

    /** {@link #q8kQuants()} as floats, in element order. */
    float[] q8kAsFloats() {
        if (!kQuantized) throw new IllegalStateException("input not prepared for Q8_K");
        return kQuantFloatsInOrder;
    }

    /** Q8_K superblock scales, {@code cols / 256} per row. */
    float[] q8kScales() {
        return kScales;
    }

    /** Q8_K sums of each 16 quants, {@code cols / 16} per row. */
    short[] q8kSums() {
        return kSums;
    }

    private void roundToF16() {
        if (f16Ready) return;
        if (f16 == null) f16 = new float[capacity * cols];
        for (int i = 0; i < rows * cols; i++) f16[i] = HalfFloat.roundToF16(values[i]);
        f16Ready = true;
    }

    private void roundToBf16() {
        if (bf16Ready) return;
        if (bf16 == null) bf16 = new short[capacity * cols];
        for (int i = 0; i < rows * cols; i++) bf16[i] = HalfFloat.f32ToBf16(values[i]);
        bf16Ready = true;
    }

    private void quantize() {
        if (quantized) return;
        if (cols % Q8_0Matrix.BLOCK != 0) {
            throw new IllegalStateException("rows of " + cols + " cannot be quantized to Q8_0 blocks of " + Q8_0Matrix.BLOCK);
        }
        if (quants == null) {
            quants = new byte[capacity * cols];
            scales = new float[capacity * cols / Q8_0Matrix.BLOCK];
            quantFloats = new float[capacity * cols];
            quantFloatsInOrder = new float[capacity * cols];
        }
        int blocks = rows * cols / Q8_0Matrix.BLOCK;
        for (int b = 0; b < blocks; b++) {
            scales[b] = Q8_0Matrix.quantizeBlock(values, b * Q8_0Matrix.BLOCK, quants, b * Q8_0Matrix.BLOCK);
        }
        QuantBlocks.quartered(quants, rows * cols, quantFloats);
        for (int i = 0; i < rows * cols; i++) quantFloatsInOrder[i] = quants[i];
        if (rows >= 2) pair();
        quantized = true;
    }

    private void pair() {
        int blocks = cols / Q8_0Matrix.BLOCK;
        int pairs = (rows + 1) / 2;
        if (pairQuarters == null) {
            pairQuarters = new float[(capacity + 1) / 2 * 2 * cols];
            pairScales = new float[(capacity + 1) / 2 * blocks * 16];
        }
        for (int p = 0; p < pairs; p++) {
            for (int k = 0; k < blocks; k++) {
                int block = p * blocks + k;
                for (int half = 0; half < 2; half++) {
                    int row = 2 * p + half;
                    boolean present = row < rows;
                    for (int q = 0; q < 4; q++) {
                        for (int l = 0; l < 8; l++) {
                            pairQuarters[(block * 4 + q) * 16 + half * 8 + l] = present ? quants[row * cols + k * Q8_0Matrix.BLOCK + 4 * l + q] : 0f;
                        }
                    }
                    Arrays.fill(pairScales, block * 16 + half * 8, block * 16 + half * 8 + 8, present ? scales[row * blocks + k] : 0f);
                }
            }
        }
    }

    private void sum() {
        if (summed) return;
        quantize();
        if (sums == null) sums = new float[capacity * cols / Q8_0Matrix.BLOCK];
        int blocks = rows * cols / Q8_0Matrix.BLOCK;
        for (int b = 0; b < blocks; b++) sums[b] = ActivationQuants.q8_1Sum(values, quants, b * Q8_0Matrix.BLOCK);
        summed = true;
    }

    private void quantizeK() {
        if (kQuantized) return;
        int block = ActivationQuants.QK_K;
        if (cols % block != 0) throw new IllegalStateException("rows of " + cols + " cannot be quantized to Q8_K blocks of " + block);
        if (kQuants == null) {
            kQuants = new byte[capacity * cols];
            kScales = new float[capacity * cols / block];
            kSums = new short[capacity * cols / 16];
            kQuantFloats = new float[capacity * cols];
            kQuantFloatsInOrder = new float[capacity * cols];
        }
        int blocks = rows * cols / block;
        for (int b = 0; b < blocks; b++) kScales[b] = ActivationQuants.quantizeQ8K(values, b * block, kQuants, kSums);
        QuantBlocks.quartered(kQuants, rows * cols, kQuantFloats);
        for (int i = 0; i < rows * cols; i++) kQuantFloatsInOrder[i] = kQuants[i];
        kQuantized = true;
    }
}
