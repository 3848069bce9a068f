package io.localgate.llamacpp.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.localgate.engine.gguf.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU kernels llama.cpp runs on this machine: {@code ggml_get_type_traits_cpu} ({@code ggml-cpu.h}) of
 * the {@code libggml-cpu-*} variant that ggml's loader chose for this process (the one mapped into it, read
 * from {@code /proc/self/maps}), for its activation quantizers ({@code from_float}) and {@code vec_dot}.
 */
final class GgmlCpuKernels {

    /** {@code ggml_from_float_t}: {@code (const float * x, void * y, int64_t k)}. */
    private static final FunctionDescriptor FROM_FLOAT = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG);
    /** {@code ggml_vec_dot_t}: {@code (int n, float * s, size_t bs, const void * x, size_t bx, const void * y, size_t by, int nrc)}. */
    private static final FunctionDescriptor VEC_DOT = FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT);

    final Path variant;
    private final MethodHandle getTraits;
    private final MethodHandle fromFloat;
    private final MethodHandle vecDot;

    GgmlCpuKernels(LlamaLibrary library) {
        variant = loadedVariant(library.directory());
        SymbolLookup cpu = SymbolLookup.libraryLookup(variant, Arena.global());
        Linker linker = Linker.nativeLinker();
        getTraits = linker.downcallHandle(cpu.find("ggml_get_type_traits_cpu").orElseThrow(), FunctionDescriptor.of(ADDRESS.withTargetLayout(
                java.lang.foreign.MemoryLayout.sequenceLayout(32, JAVA_BYTE)), JAVA_INT));
        fromFloat = linker.downcallHandle(FROM_FLOAT);
        vecDot = linker.downcallHandle(VEC_DOT);
        try {
            linker.downcallHandle(cpu.find("ggml_cpu_init").orElseThrow(), FunctionDescriptor.ofVoid()).invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path loadedVariant(Path directory) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(path -> path.startsWith(directory.toString()) && Path.of(path).getFileName().toString().startsWith("libggml-cpu"))
                    .map(Path::of).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no libggml-cpu variant from " + directory + " is mapped into this process"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The type ggml quantizes activations to before {@code vec_dot} with {@code type}. */
    GgmlType vecDotType(GgmlType type) {
        return GgmlType.byId(traits(type).get(JAVA_INT, 16)).orElseThrow();
    }

    /** The CPU backend's {@code from_float} for {@code type}: the blocks' bytes. */
    byte[] fromFloat(GgmlType type, float[] values) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(JAVA_FLOAT, values);
            MemorySegment y = arena.allocate(type.byteSize(values.length), 64);
            fromFloat.invokeExact(function(type, 0), x, y, (long) values.length);
            return y.toArray(JAVA_BYTE);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CPU backend's {@code vec_dot} of one row of {@code type} with one row of its vec_dot type. */
    float vecDot(GgmlType type, byte[] weights, byte[] activations, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(JAVA_FLOAT);
            MemorySegment x = arena.allocate(weights.length, 64);
            MemorySegment.copy(weights, 0, x, JAVA_BYTE, 0, weights.length);
            MemorySegment y = arena.allocate(activations.length, 64);
            MemorySegment.copy(activations, 0, y, JAVA_BYTE, 0, activations.length);
            vecDot.invokeExact(function(type, 8), n, s, 0L, x, 0L, y, 0L, 1);
            return s.get(JAVA_FLOAT, 0);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private MemorySegment traits(GgmlType type) {
        try {
            return (MemorySegment) getTraits.invokeExact(type.id());
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private MemorySegment function(GgmlType type, long offset) {
        MemorySegment function = traits(type).get(ADDRESS, offset);
        if (function.equals(MemorySegment.NULL)) throw new IllegalArgumentException("the CPU backend has no such kernel for " + type);
        return function;
    }
}
