package io.localgate.engine.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: metadata in insertion order, then tensor descriptions, then the aligned
 * tensor data. Used to make synthetic models for tests and benchmarks and to rewrite real files.
 */
public final class GgufWriter {

    private final Map<String, GgufMetadata.Entry> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorBytes data) {
    }

    /** Writes a tensor's bytes when the file is written, so that large tensors need not be in memory at once. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, new GgufMetadata.Entry(GgufValueType.STRING, null, value));
    }

    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) throw new IllegalArgumentException(key + ": " + value + " is not a uint32");
        return put(key, new GgufMetadata.Entry(GgufValueType.UINT32, null, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, new GgufMetadata.Entry(GgufValueType.INT32, null, (long) value));
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, new GgufMetadata.Entry(GgufValueType.UINT64, null, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new GgufMetadata.Entry(GgufValueType.FLOAT32, null, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new GgufMetadata.Entry(GgufValueType.BOOL, null, value));
    }

    public GgufWriter putStrings(String key, String[] values) {
        return put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, values.clone()));
    }

    public GgufWriter putFloats(String key, float[] values) {
        return put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.FLOAT32, values.clone()));
    }

    /** An array of integers stored as {@code elementType} (one of the integer types). */
    public GgufWriter putIntegers(String key, GgufValueType elementType, long[] values) {
        if (!elementType.isInteger()) throw new IllegalArgumentException(elementType + " is not an integer type");
        return put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, elementType, values.clone()));
    }

    /** Any entry, e.g. one copied from another file's {@link GgufMetadata#entries()}. */
    public GgufWriter put(String key, GgufMetadata.Entry entry) {
        metadata.put(key, entry);
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds a tensor; {@code data} must hold exactly its bytes in {@code type}'s layout. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long expected = byteSize(type, shape);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + " needs " + expected + " bytes, got " + data.byteSize());
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), expected, out -> writeFully(out, data.asByteBuffer())));
        return this;
    }

    /**
     * Adds a tensor whose bytes {@code data} writes during {@link #write}, in the tensors' order; it must
     * write exactly the tensor's size in {@code type}'s layout.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorBytes data) {
        tensors.add(new PendingTensor(name, type, shape.clone(), byteSize(type, shape), data));
        return this;
    }

    private static long byteSize(GgmlType type, long[] shape) {
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        return type.byteSize(elements);
    }

    public void write(Path path) throws IOException {
        int alignment = metadata.containsKey("general.alignment")
                ? (int) (long) (Long) metadata.get("general.alignment").value() : GgufFile.DEFAULT_ALIGNMENT;
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            var header = new HeaderBuffer();
            header.u32(GgufFile.MAGIC);
            header.u32(3);
            header.u64(tensors.size());
            header.u64(metadata.size());
            metadata.forEach((key, entry) -> {
                header.string(key);
                header.u32(entry.type().id());
                header.value(entry);
            });
            long offset = 0;
            for (PendingTensor t : tensors) {
                header.string(t.name);
                header.u32(t.shape.length);
                for (long d : t.shape) header.u64(d);
                header.u32(t.type.id());
                header.u64(offset);
                offset = align(offset + t.byteSize, alignment);
            }
            header.padTo(alignment);
            writeFully(out, header.toByteBuffer());
            long written = 0;
            for (PendingTensor t : tensors) {
                long start = out.position();
                t.data.writeTo(out);
                if (out.position() - start != t.byteSize) {
                    throw new IllegalStateException("tensor " + t.name + " needs " + t.byteSize + " bytes, its writer wrote "
                            + (out.position() - start));
                }
                written += t.byteSize;
                long padded = align(written, alignment);
                writeFully(out, ByteBuffer.allocate((int) (padded - written)));
                written = padded;
            }
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }

    private static long align(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** A growable little-endian buffer for the header. */
    private static final class HeaderBuffer {
        private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            ensure(1).put((byte) v);
        }

        void u16(int v) {
            ensure(2).putShort((short) v);
        }

        void u32(long v) {
            ensure(4).putInt((int) v);
        }

        void u64(long v) {
            ensure(8).putLong(v);
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            ensure(bytes.length).put(bytes);
        }

        void value(GgufMetadata.Entry entry) {
            if (entry.type() != GgufValueType.ARRAY) {
                scalar(entry.type(), entry.value());
                return;
            }
            u32(entry.elementType().id());
            switch (entry.value()) {
                case long[] values -> { u64(values.length); for (long v : values) scalar(entry.elementType(), v); }
                case float[] values -> { u64(values.length); for (float v : values) scalar(entry.elementType(), v); }
                case double[] values -> { u64(values.length); for (double v : values) scalar(entry.elementType(), v); }
                case boolean[] values -> { u64(values.length); for (boolean v : values) scalar(entry.elementType(), v); }
                case String[] values -> { u64(values.length); for (String v : values) scalar(entry.elementType(), v); }
                default -> throw new IllegalArgumentException("unsupported array value " + entry.value().getClass());
            }
        }

        private void scalar(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> u8((int) (long) (Long) value);
                case UINT16, INT16 -> u16((int) (long) (Long) value);
                case UINT32, INT32 -> u32((Long) value);
                case UINT64, INT64 -> u64((Long) value);
                case FLOAT32 -> ensure(4).putFloat((Float) value);
                case FLOAT64 -> ensure(8).putDouble((Double) value);
                case BOOL -> u8((Boolean) value ? 1 : 0);
                case STRING -> string((String) value);
                case ARRAY -> throw new IllegalArgumentException("nested arrays are not supported");
            }
        }

        void padTo(int alignment) {
            int padded = (int) align(buffer.position(), alignment);
            ensure(padded - buffer.position()).position(padded);
        }

        ByteBuffer toByteBuffer() {
            return buffer.duplicate().flip();
        }

        private ByteBuffer ensure(int n) {
            if (buffer.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
            return buffer;
        }
    }
}
