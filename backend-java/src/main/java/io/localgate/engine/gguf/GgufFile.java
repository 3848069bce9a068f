package io.localgate.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3) mapped read-only as one {@link MemorySegment}. Opening parses the header
 * (metadata and tensor descriptions) and checks every count, length, offset and size against the file,
 * so a truncated or corrupted file fails here with a {@link GgufException} naming the byte offset, and
 * tensor data slices handed out later always lie inside the mapping. Closing unmaps the file; the
 * tensor slices become unusable (an exception, never a crash).
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian int. */
    static final int MAGIC = 0x46554747;
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMENSIONS = 4;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, Header header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = header.version;
        this.metadata = header.metadata;
        this.tensors = List.copyOf(header.tensors);
        this.alignment = header.alignment;
        this.dataOffset = header.dataOffset;
        var byName = new HashMap<String, GgufTensor>();
        for (GgufTensor t : tensors) byName.put(t.name(), t);
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Maps and parses a file.
     *
     * @throws IOException   when the file cannot be read
     * @throws GgufException when it is not a well-formed GGUF v2/v3 file
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapping = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Header header = new HeaderParser(mapping).parse();
            return new GgufFile(path, arena, mapping, header);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensors in file order. */
    public List<GgufTensor> tensors() {
        return tensors;
    }

    public Optional<GgufTensor> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public GgufTensor tensor(String name) {
        return findTensor(name).orElseThrow(() -> new GgufException("tensor " + name + " is missing"));
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long size() {
        return mapping.byteSize();
    }

    /** The tensor's bytes, a slice of the mapping (already bounds-checked when the file was opened). */
    public MemorySegment data(GgufTensor tensor) {
        return mapping.asSlice(tensor.fileOffset(), tensor.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }

    private record Header(int version, GgufMetadata metadata, List<GgufTensor> tensors, int alignment, long dataOffset) {
    }

    /** Reads the header with a cursor that checks every read against the end of the file. */
    private static final class HeaderParser {
        private static final long MIN_KV_BYTES = 8 + 4 + 1;             // empty key, type, one byte of value
        private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8; // empty name, 1 dim, type, offset

        private final MemorySegment file;
        private final long size;
        private long pos;

        HeaderParser(MemorySegment file) {
            this.file = file;
            this.size = file.byteSize();
        }

        Header parse() {
            int magic = u32();
            if (magic != MAGIC) {
                throw new GgufException(0, String.format("not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
            }
            long versionAt = pos;
            int version = u32();
            if (version == 1) throw new GgufException(versionAt, "GGUF version 1 is not supported (only 2 and 3)");
            if (version != 2 && version != 3) {
                if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                    throw new GgufException(versionAt, "big-endian GGUF files are not supported");
                }
                throw new GgufException(versionAt, "unknown GGUF version " + Integer.toUnsignedString(version));
            }
            long tensorCountAt = pos;
            long tensorCount = u64();
            long kvCountAt = pos;
            long kvCount = u64();
            checkCount(kvCount, MIN_KV_BYTES, kvCountAt, "metadata key/value count");

            var entries = new LinkedHashMap<String, GgufMetadata.Entry>();
            for (long i = 0; i < kvCount; i++) {
                long keyAt = pos;
                String key = string();
                long typeAt = pos;
                GgufValueType type = valueType(typeAt);
                if (entries.containsKey(key)) throw new GgufException(keyAt, "duplicate metadata key " + key);
                entries.put(key, value(type));
            }
            var metadata = new GgufMetadata(entries);

            int alignment = DEFAULT_ALIGNMENT;
            GgufMetadata.Entry alignmentEntry = entries.get("general.alignment");
            if (alignmentEntry != null) {
                if (alignmentEntry.type() != GgufValueType.UINT32) {
                    throw new GgufException("general.alignment must be a uint32, not " + alignmentEntry.type());
                }
                long a = (Long) alignmentEntry.value();
                if (a == 0 || (a & (a - 1)) != 0 || a > (1 << 20)) {
                    throw new GgufException("general.alignment " + a + " is not a power of two up to 1 MiB");
                }
                alignment = (int) a;
            }

            checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, tensorCountAt, "tensor count");
            var infos = new ArrayList<TensorInfo>();
            var names = new HashMap<String, Long>();
            for (long i = 0; i < tensorCount; i++) {
                infos.add(tensorInfo(names));
            }

            long dataOffset = align(pos, alignment);
            if (tensorCount > 0 && dataOffset > size) {
                throw new GgufException(pos, "file ends before its tensor data section starts at " + dataOffset);
            }
            var tensors = new ArrayList<GgufTensor>(infos.size());
            for (TensorInfo info : infos) {
                tensors.add(placeTensor(info, dataOffset, alignment));
            }
            checkNoOverlap(tensors);
            return new Header(version, metadata, tensors, alignment, dataOffset);
        }

        private record TensorInfo(String name, long nameAt, GgmlType type, long[] shape, long offset, long offsetAt) {
        }

        private TensorInfo tensorInfo(Map<String, Long> names) {
            long nameAt = pos;
            String name = string();
            if (names.putIfAbsent(name, nameAt) != null) throw new GgufException(nameAt, "duplicate tensor name " + name);
            long dimsAt = pos;
            int dims = u32();
            if (dims < 1 || dims > MAX_DIMENSIONS) {
                throw new GgufException(dimsAt, "tensor " + name + " has " + Integer.toUnsignedString(dims) + " dimensions (1 to " + MAX_DIMENSIONS + " allowed)");
            }
            long[] shape = new long[dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                long dimAt = pos;
                shape[d] = u64();
                if (shape[d] < 0) throw new GgufException(dimAt, "tensor " + name + " has a negative dimension");
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw new GgufException(dimAt, "tensor " + name + " has more elements than fit in 64 bits");
                }
            }
            long typeAt = pos;
            long typeId = Integer.toUnsignedLong(u32());
            GgmlType type = GgmlType.byId(typeId)
                    .orElseThrow(() -> new GgufException(typeAt, "tensor " + name + " has unknown ggml type " + typeId));
            if (shape[0] % type.blockSize() != 0) {
                throw new GgufException(dimsAt, "tensor " + name + " has rows of " + shape[0] + " elements, not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            long offsetAt = pos;
            long offset = u64();
            return new TensorInfo(name, nameAt, type, shape, offset, offsetAt);
        }

        private GgufTensor placeTensor(TensorInfo info, long dataOffset, int alignment) {
            long elements = 1;
            for (long d : info.shape) elements *= d; // overflow already excluded
            long bytes;
            try {
                bytes = info.type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new GgufException(info.nameAt, "tensor " + info.name + " is larger than 2^63 bytes");
            }
            if (info.offset < 0 || info.offset % alignment != 0) {
                throw new GgufException(info.offsetAt, "tensor " + info.name + " has offset " + Long.toUnsignedString(info.offset)
                        + ", not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + info.offset;
            if (start < dataOffset || start > size || bytes > size - start) {
                throw new GgufException(info.offsetAt, "tensor " + info.name + " (" + bytes + " bytes at file offset " + start
                        + ") extends past the end of the file (" + size + " bytes)");
            }
            return new GgufTensor(info.name, info.type, info.shape, start, bytes);
        }

        private static void checkNoOverlap(List<GgufTensor> tensors) {
            var sorted = new ArrayList<>(tensors);
            sorted.sort(Comparator.comparingLong(GgufTensor::fileOffset));
            for (int i = 1; i < sorted.size(); i++) {
                GgufTensor previous = sorted.get(i - 1);
                GgufTensor next = sorted.get(i);
                if (previous.fileOffset() + previous.byteSize() > next.fileOffset()) {
                    throw new GgufException(next.fileOffset(), "tensor " + next.name() + " overlaps tensor " + previous.name());
                }
            }
        }

        private GgufValueType valueType(long at) {
            long id = Integer.toUnsignedLong(u32());
            return GgufValueType.byId(id).orElseThrow(() -> new GgufException(at, "unknown metadata value type " + id));
        }

        private GgufMetadata.Entry value(GgufValueType type) {
            if (type != GgufValueType.ARRAY) return new GgufMetadata.Entry(type, null, scalar(type));
            long elementTypeAt = pos;
            GgufValueType elementType = valueType(elementTypeAt);
            if (elementType == GgufValueType.ARRAY) {
                throw new GgufException(elementTypeAt, "nested metadata arrays are not supported");
            }
            long countAt = pos;
            long count = u64();
            checkCount(count, elementType == GgufValueType.STRING ? 8 : elementType.size(), countAt, "array length");
            int n = (int) count;
            Object array = switch (elementType) {
                case FLOAT32 -> {
                    float[] values = new float[n];
                    MemorySegment.copy(file, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(4L * n), values, 0, n);
                    yield values;
                }
                case FLOAT64 -> {
                    double[] values = new double[n];
                    MemorySegment.copy(file, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(8L * n), values, 0, n);
                    yield values;
                }
                case BOOL -> {
                    boolean[] values = new boolean[n];
                    for (int i = 0; i < n; i++) values[i] = bool();
                    yield values;
                }
                case STRING -> {
                    String[] values = new String[n];
                    for (int i = 0; i < n; i++) values[i] = string();
                    yield values;
                }
                default -> {
                    long[] values = new long[n];
                    for (int i = 0; i < n; i++) values[i] = (Long) scalar(elementType);
                    yield values;
                }
            };
            return new GgufMetadata.Entry(GgufValueType.ARRAY, elementType, array);
        }

        private Object scalar(GgufValueType type) {
            return switch (type) {
                case UINT8 -> (long) Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, take(1)));
                case INT8 -> (long) file.get(ValueLayout.JAVA_BYTE, take(1));
                case UINT16 -> (long) Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(2)));
                case INT16 -> (long) file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(2));
                case UINT32 -> Integer.toUnsignedLong(u32());
                case INT32 -> (long) u32();
                case UINT64, INT64 -> u64();
                case FLOAT32 -> file.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(4));
                case FLOAT64 -> file.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), take(8));
                case BOOL -> bool();
                case STRING -> string();
                case ARRAY -> throw new IllegalStateException("arrays are read by value()");
            };
        }

        private boolean bool() {
            long at = pos;
            byte b = file.get(ValueLayout.JAVA_BYTE, take(1));
            if (b != 0 && b != 1) throw new GgufException(at, "boolean value " + b + " is neither 0 nor 1");
            return b == 1;
        }

        private String string() {
            long lengthAt = pos;
            long length = u64();
            if (length < 0 || length > size - pos) {
                throw new GgufException(lengthAt, "string length " + Long.toUnsignedString(length) + " runs past the end of the file");
            }
            byte[] bytes = new byte[(int) Math.min(length, Integer.MAX_VALUE - 8)];
            if (bytes.length != length) throw new GgufException(lengthAt, "string length " + length + " is too large");
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, take(length), bytes, 0, bytes.length);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private int u32() {
            return file.get(U32, take(4));
        }

        private long u64() {
            return file.get(U64, take(8));
        }

        /** Claims the next {@code n} bytes and returns where they start. */
        private long take(long n) {
            if (n > size - pos) {
                throw new GgufException(pos, "file ends after " + size + " bytes, in the middle of a " + n + "-byte field");
            }
            long at = pos;
            pos += n;
            return at;
        }

        /** A count of items each at least {@code minBytes} long must fit in what is left of the file. */
        private void checkCount(long count, long minBytes, long at, String what) {
            if (count < 0 || count > Integer.MAX_VALUE - 8 || count * Math.max(minBytes, 1) > size - pos) {
                throw new GgufException(at, what + " " + Long.toUnsignedString(count) + " cannot fit in the " + (size - pos)
                        + " bytes left in the file");
            }
        }

        private static long align(long offset, int alignment) {
            return (offset + alignment - 1) / alignment * alignment;
        }
    }
}
