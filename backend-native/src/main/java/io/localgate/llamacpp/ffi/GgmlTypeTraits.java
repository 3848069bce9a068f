package io.localgate.llamacpp.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * ggml's own element types as {@code libggml-base} describes and converts them: {@code ggml_get_type_traits}
 * ({@code struct ggml_type_traits} in {@code ggml.h}) with its {@code to_float} and {@code from_float_ref},
 * plus {@code quantize_row_q8_K_ref}, which the traits leave out. This is what the Java engine's block
 * types are checked against, bit for bit.
 */
public final class GgmlTypeTraits {

    /** {@code struct ggml_type_traits}. */
    static final StructLayout TRAITS = MemoryLayout.structLayout(
            ADDRESS.withName("type_name"),
            JAVA_LONG.withName("blck_size"),
            JAVA_LONG.withName("blck_size_interleave"),
            JAVA_LONG.withName("type_size"),
            JAVA_BOOLEAN.withName("is_quantized"),
            MemoryLayout.paddingLayout(7),
            ADDRESS.withName("to_float"),
            ADDRESS.withName("from_float_ref"));

    private static final VarHandle TYPE_NAME = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("type_name"));
    private static final VarHandle BLOCK_SIZE = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("blck_size"));
    private static final VarHandle TYPE_SIZE = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("type_size"));
    private static final VarHandle QUANTIZED = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("is_quantized"));
    private static final VarHandle TO_FLOAT = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("to_float"));
    private static final VarHandle FROM_FLOAT_REF = TRAITS.varHandle(MemoryLayout.PathElement.groupElement("from_float_ref"));

    /** {@code ggml_to_float_t} and {@code ggml_from_float_t}: {@code (const void * x, void * y, int64_t k)}. */
    private static final FunctionDescriptor CONVERT = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG);
    /** {@code GGML_TYPE_COUNT} of the pinned release: {@code ggml_get_type_traits} aborts at or past it. */
    private static final int TYPE_COUNT = 43;

    /** One type's traits as the library states them. */
    public record Traits(String name, long blockSize, long typeSize, boolean quantized, boolean hasToFloat, boolean hasFromFloatRef) {
    }

    private final Linker linker = Linker.nativeLinker();
    private final MethodHandle getTypeTraits;
    private final MethodHandle convert;
    private final MemorySegment quantizeQ8KRef;

    private GgmlTypeTraits(SymbolLookup base) {
        getTypeTraits = linker.downcallHandle(require(base, "ggml_get_type_traits"), FunctionDescriptor.of(ADDRESS.withTargetLayout(TRAITS), JAVA_INT));
        convert = linker.downcallHandle(CONVERT);
        quantizeQ8KRef = require(base, "quantize_row_q8_K_ref");
    }

    /** The {@code libggml-base} of the process's llama.cpp ({@link LlamaLibrary#shared()}), found as the loader finds it. */
    public static GgmlTypeTraits of(LlamaLibrary library) {
        Path base = LlamaLibrary.find(library.directory(), "ggml-base", "the loaded llama.cpp");
        // the library is loaded for the life of the process already: a global lookup adds nothing to unload
        return new GgmlTypeTraits(SymbolLookup.libraryLookup(base, Arena.global()));
    }

    private static MemorySegment require(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new LlamaLibraryException("libggml-base has no symbol " + name));
    }

    public Traits traits(GgmlType type) {
        MemorySegment t = traitsOf(type);
        MemorySegment name = (MemorySegment) TYPE_NAME.get(t, 0L);
        return new Traits(name.reinterpret(64).getString(0), (long) BLOCK_SIZE.get(t, 0L), (long) TYPE_SIZE.get(t, 0L),
                (boolean) QUANTIZED.get(t, 0L), !((MemorySegment) TO_FLOAT.get(t, 0L)).equals(MemorySegment.NULL),
                !((MemorySegment) FROM_FLOAT_REF.get(t, 0L)).equals(MemorySegment.NULL));
    }

    /**
     * ggml's {@code to_float} of {@code type} on whole blocks.
     *
     * @throws IllegalArgumentException when the bytes are not whole blocks or ggml has no {@code to_float} for the type
     */
    public float[] toFloat(GgmlType type, byte[] blocks) {
        long elements = wholeBlocks(type, blocks.length);
        MemorySegment function = function(type, TO_FLOAT, "to_float");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(blocks.length, 16);
            MemorySegment.copy(blocks, 0, x, JAVA_BYTE, 0, blocks.length);
            MemorySegment y = arena.allocate(JAVA_FLOAT, elements);
            call(function, x, y, elements);
            return y.toArray(JAVA_FLOAT);
        }
    }

    /**
     * ggml's {@code from_float_ref} of {@code type} ({@code quantize_row_*_ref}), or {@code quantize_row_q8_K_ref}
     * for Q8_K: the blocks' bytes.
     *
     * @throws IllegalArgumentException when the values are not whole blocks or ggml has no reference quantizer for the type
     */
    public byte[] fromFloatRef(GgmlType type, float[] values) {
        if (values.length % type.blockSize() != 0) throw new IllegalArgumentException(values.length + " values are not whole " + type + " blocks");
        MemorySegment function = type == GgmlType.Q8_K ? quantizeQ8KRef : function(type, FROM_FLOAT_REF, "from_float_ref");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(JAVA_FLOAT, values);
            MemorySegment y = arena.allocate(type.byteSize(values.length), 16);
            call(function, x, y, values.length);
            return y.toArray(JAVA_BYTE);
        }
    }

    private MemorySegment traitsOf(GgmlType type) {
        if (type.id() < 0 || type.id() >= TYPE_COUNT) throw new IllegalArgumentException("type " + type + " is outside the pinned ggml's types");
        try {
            return ((MemorySegment) getTypeTraits.invokeExact(type.id())).reinterpret(TRAITS.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("ggml_get_type_traits failed", e);
        }
    }

    private MemorySegment function(GgmlType type, VarHandle field, String name) {
        MemorySegment function = (MemorySegment) field.get(traitsOf(type), 0L);
        if (function.equals(MemorySegment.NULL)) throw new IllegalArgumentException("ggml has no " + name + " for " + type);
        return function;
    }

    private static long wholeBlocks(GgmlType type, long bytes) {
        if (bytes % type.typeSize() != 0) throw new IllegalArgumentException(bytes + " bytes are not whole " + type + " blocks");
        return bytes / type.typeSize() * type.blockSize();
    }

    private void call(MemorySegment function, MemorySegment x, MemorySegment y, long k) {
        try {
            convert.invokeExact(function, x, y, k);
        } catch (Throwable e) {
            throw new IllegalStateException("ggml conversion failed", e);
        }
    }
}
