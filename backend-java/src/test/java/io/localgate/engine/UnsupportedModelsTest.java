package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Capability;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Files this engine cannot run are described with what it lacks, and refused with UNSUPPORTED naming it. */
class UnsupportedModelsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            stories260K-q4_1.gguf         | tensor type Q4_1 (31 tensors) is not supported yet
            TinyStories-656K-Q2_K.gguf    | tensor type IQ4_NL (14 tensors) is not supported yet
            """)
    void describeAndLoadNameWhatIsUnsupported(String file, String reason) throws Exception {
        var backend = JavaBackendTest.backend();
        var spec = ModelSpec.of("m", SharedModels.model(file));
        var info = backend.describe(spec);
        assertThat(info.supported()).isFalse();
        assertThat(info.unsupported()).anySatisfy(r -> assertThat(r).contains(reason));
        assertThatThrownBy(() -> backend.load(spec))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.UNSUPPORTED))
                .hasMessageContaining(reason);
    }

    @Test
    void anEncoderIsDescribedAsOne() throws Exception {
        var info = JavaBackendTest.backend().describe(ModelSpec.of("m", SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf")));
        assertThat(info.architecture()).isEqualTo("bert");
        assertThat(info.capabilities()).containsExactly(Capability.EMBEDDINGS);
        assertThat(info.pooling()).contains(Pooling.MEAN);
        assertThat(info.unsupported()).noneSatisfy(r -> assertThat(r).contains("architecture"));
        assertThat(info.fileType()).isEqualTo("Q4_K_M");
        assertThat(info.vocabSize()).isEqualTo(30522);
    }

    @Test
    void aCorruptedFileIsMalformedWithTheOffset() throws Exception {
        Path copy = tmp.resolve("broken.gguf");
        byte[] bytes = Files.readAllBytes(SharedModels.model("stories260K.gguf"));
        bytes[15] = 0x7F; // the tensor count (a u64 at offset 8) becomes absurd
        Files.write(copy, bytes);
        var spec = ModelSpec.of("broken", copy);
        for (var call : new ThrowingCall[] {() -> JavaBackendTest.backend().describe(spec), () -> JavaBackendTest.backend().load(spec)}) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.MALFORMED))
                    .hasMessageContaining("at byte offset 8");
        }
    }

    @Test
    void aMissingFileIsAnIoError() {
        var spec = ModelSpec.of("missing", tmp.resolve("missing.gguf"));
        assertThatThrownBy(() -> JavaBackendTest.backend().load(spec))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.IO))
                .hasMessageContaining("not found");
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }
}
