package io.localgate.bench;

import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import io.localgate.llamacpp.ffi.LlamaStructs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * llama.cpp's own quantizer ({@code llama_model_quantize} with {@code llama_model_quantize_default_params},
 * as {@code llama-quantize} runs it) through the bridge: the synthetic models are quantized exactly as a
 * user's downloaded files were.
 */
public final class LlamaQuantizer {

    private LlamaQuantizer() {
    }

    /** Quantizes {@code input} (F16/F32) to {@code type}; writes through a temporary file beside {@code output}. */
    public static void quantize(Path input, Path output, QuantType type) throws IOException {
        LlamaLibrary library = LlamaLibrary.shared();
        Llama api = library.api();
        Path partial = output.resolveSibling(output.getFileName() + ".partial");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = api.modelQuantizeDefaultParams(arena);
            LlamaStructs.QuantizeParams.FTYPE.set(params, 0L, type.llamaFtype());
            library.takeErrors();
            int status = api.modelQuantize(arena.allocateFrom(input.toString()), arena.allocateFrom(partial.toString()), params);
            if (status != 0) {
                throw new IOException("llama_model_quantize(" + input + " -> " + type + ") failed with " + status + ": "
                        + String.join("; ", library.takeErrors()));
            }
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
