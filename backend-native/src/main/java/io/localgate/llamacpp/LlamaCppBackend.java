package io.localgate.llamacpp;

import io.localgate.backend.Backend;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import io.localgate.llamacpp.ffi.LlamaLibraryException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The {@code llama-cpp} backend: GGUF models run by llama.cpp's own kernels (CPU, or CUDA, Metal,
 * ROCm, Vulkan with the matching library build) through the FFM API, in this process.
 *
 * <p>The libraries load on first use, not when {@link java.util.ServiceLoader} creates the backend.
 * When they cannot be loaded (missing, or another release), every {@code describe} and {@code load}
 * throws a {@link ModelLoadException} saying why, and the process carries on with its other backends.
 */
public final class LlamaCppBackend implements Backend {

    public static final String ID = "llama-cpp";
    /** Sequences decoded together when the model config does not say ({@code parallel}). */
    static final int DEFAULT_PARALLEL = 4;
    /** Tokens per {@code llama_decode} call (llama.cpp's {@code n_batch} and {@code n_ubatch}). */
    static final int BATCH_SIZE = 512;

    private final Supplier<LlamaLibrary> library;

    /** The backend on the process's llama.cpp ({@code LOCALGATE_LLAMA_CPP_LIB_PATH}, else the libraries packed in the jar). */
    public LlamaCppBackend() {
        this(LlamaLibrary::shared);
    }

    LlamaCppBackend(Supplier<LlamaLibrary> library) {
        this.library = library;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public ModelInfo describe(ModelSpec spec) throws ModelLoadException {
        library();
        return ModelFile.read(spec.file()).info();
    }

    @Override
    public LoadedModel load(ModelSpec spec) throws ModelLoadException {
        LlamaLibrary lib = library();
        ModelFile file = ModelFile.read(spec.file());
        if (!file.info().supported()) {
            throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED,
                    spec.file() + ": " + String.join("; ", file.info().unsupported()));
        }
        return NativeModel.load(lib, spec, file, DEFAULT_PARALLEL, spec.batchSize() > 0 ? spec.batchSize() : BATCH_SIZE);
    }

    /**
     * llama.cpp's tokenizer for a GGUF file without loading its weights (any GGUF with a vocabulary,
     * such as llama.cpp's {@code ggml-vocab-*.gguf} test files). Close it to free the vocabulary.
     */
    public VocabularyOnly openTokenizer(Path file) throws ModelLoadException {
        LlamaLibrary lib = library();
        ModelFile checked = ModelFile.read(file);
        Arena arena = Arena.ofShared();
        try {
            var model = NativeModel.loadModel(lib, new ModelSpec(file.getFileName().toString(), file, 0, 0, 0, 0), arena, true);
            var tokenizer = new NativeTokenizer(lib.api(), lib.api().modelGetVocab(model).reinterpret(arena, null), checked.spelling());
            return new VocabularyOnly(tokenizer, arena);
        } catch (ModelLoadException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private LlamaLibrary library() throws ModelLoadException {
        try {
            return library.get();
        } catch (LlamaLibraryException e) {
            throw new ModelLoadException(ModelLoadException.Reason.UNAVAILABLE, "the llama-cpp backend is unavailable: " + e.getMessage(), e);
        }
    }
}
