package io.localgate.engine.gguf;

import java.util.Arrays;

/**
 * A tensor's description in a GGUF file.
 *
 * @param name       e.g. {@code blk.0.attn_q.weight}
 * @param type       element type
 * @param shape      ggml order: {@code shape[0]} is the row length (the contiguous dimension)
 * @param fileOffset absolute byte offset of the data in the file
 * @param byteSize   bytes of data
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long fileOffset, long byteSize) {

    public GgufTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    /** Size of dimension {@code i}, 1 beyond the tensor's rank as in ggml. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && fileOffset == t.fileOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
