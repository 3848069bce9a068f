package io.localgate.engine.tensor;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix read in place from the mapped model file: {@code rows} rows of {@code cols} elements
 * in one GGML type, row-major as ggml stores them ({@code cols} is ggml's {@code ne[0]}).
 */
public sealed interface Matrix permits F32Matrix, F16Matrix, BF16Matrix, Q8_0Matrix, Q4_0Matrix, Q4_1Matrix,
        Q5_0Matrix, Q5_1Matrix, IQ4_NLMatrix, Q2_KMatrix, Q3_KMatrix, Q4_KMatrix, Q5_KMatrix, Q6_KMatrix {

    /** The GGML types this engine can compute with. */
    static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Wraps a tensor's bytes.
     *
     * @throws IllegalArgumentException when the type is not supported or the sizes do not match
     */
    static Matrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("rows of " + cols + " elements are not whole " + type + " blocks");
        }
        long expected = type.byteSize((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(type + " matrix " + rows + "x" + cols + " needs " + expected + " bytes, got " + data.byteSize());
        }
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case IQ4_NL -> new IQ4_NLMatrix(data, rows, cols);
            case Q2_K -> new Q2_KMatrix(data, rows, cols);
            case Q3_K -> new Q3_KMatrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("tensor type " + type + " is not supported");
        };
    }

    int rows();

    int cols();

    GgmlType type();

    /** How activation rows must be prepared before {@link #multiply}. */
    DotType dotType();

    /**
     * {@code out[b * rows() + r] = row r · input row b} for the rows {@code r} in {@code [rowFrom, rowTo)}
     * and every input row {@code b}. Each weight row is read once for all input rows. Safe to call from
     * several threads on disjoint row ranges.
     *
     * @param input prepared for {@link #dotType()}
     */
    void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo);

    /** Row {@code row} as floats, exactly as ggml dequantizes it (embedding lookups, tests). */
    void dequantizeRow(int row, float[] out, int offset);
}
