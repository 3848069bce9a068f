package io.localgate.llamacpp.ffi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder that does not hold a usable llama.cpp is a clear error naming what was looked for and
 * where, never a crash. (These loads fail before anything stays loaded, so they do not disturb the
 * process's real library.)
 */
class LlamaLibraryTest {

    @Test
    void aMissingFolderIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-build");
        assertThatThrownBy(() -> LlamaLibrary.load(missing, "LOCALGATE_LLAMA_CPP_LIB_PATH"))
                .isInstanceOf(LlamaLibraryException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("LOCALGATE_LLAMA_CPP_LIB_PATH");
    }

    @Test
    void aFolderWithoutTheLibrariesSaysWhichFileIsMissing(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> LlamaLibrary.load(dir, "LOCALGATE_LLAMA_CPP_LIB_PATH"))
                .isInstanceOf(LlamaLibraryException.class)
                .hasMessageContaining("libggml-base.so").hasMessageContaining(dir.toString());

        // the real ggml libraries, but no libllama
        Path real = LlamaLibrary.shared().directory();
        for (String name : new String[] {"libggml-base.so", "libggml.v0.4.0.so"}) Files.copy(real.resolve(name), dir.resolve(name));
        assertThatThrownBy(() -> LlamaLibrary.load(dir, "LOCALGATE_LLAMA_CPP_LIB_PATH"))
                .isInstanceOf(LlamaLibraryException.class)
                .hasMessageContaining("libllama.so (nor libllama.v*.so)").hasMessageContaining(dir.toString());
    }

    @Test
    void gpuLibrarySetsAreFoundByTheirVariantNames(@TempDir Path dir) throws Exception {
        for (String name : new String[] {"libllama.cuda.v0.4.0.so", "libggml.cuda.v0.4.0.so", "libllama-common.so"}) Files.writeString(dir.resolve(name), "");
        assertThat(LlamaLibrary.find(dir, "llama", "test")).isEqualTo(dir.resolve("libllama.cuda.v0.4.0.so"));
        assertThat(LlamaLibrary.find(dir, "ggml", "test")).isEqualTo(dir.resolve("libggml.cuda.v0.4.0.so"));
    }

    @Test
    void aFileThatIsNoLibraryCannotBeLoaded(@TempDir Path dir) throws Exception {
        for (String name : new String[] {"libggml-base.so", "libggml.so", "libllama.so"}) Files.writeString(dir.resolve(name), "not ELF");
        assertThatThrownBy(() -> LlamaLibrary.load(dir, "LOCALGATE_LLAMA_CPP_LIB_PATH"))
                .isInstanceOf(LlamaLibraryException.class)
                .hasMessageContaining("cannot load").hasMessageContaining(dir.resolve("libllama.so").toString());
    }

    @Test
    void theSharedLibraryIsThePinnedRelease() {
        LlamaLibrary library = LlamaLibrary.shared();
        assertThat(library.description()).contains("llama.cpp " + Llama.PINNED_LLAMA_VERSION).contains("ggml " + Llama.PINNED_GGML_VERSION);
        assertThat(library.devices()).anyMatch(d -> d.startsWith("CPU"));
    }
}
