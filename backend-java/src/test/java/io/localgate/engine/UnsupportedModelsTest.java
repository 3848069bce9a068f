package io.localgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.backend.Capability;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.Pooling;
import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufTensor;
import io.localgate.engine.gguf.GgufWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files this engine cannot run are described with what it lacks, and refused with UNSUPPORTED naming it. */
class UnsupportedModelsTest {

    @TempDir
    Path tmp;

    /** An encoder whose pooling gives one vector per token (NONE) cannot serve {@code /v1/embeddings}. */
    @Test
    void anEncoderWithoutPoolingIsNamedUnsupported() throws Exception {
        Path copy = tmp.resolve("minilm-no-pooling.gguf");
        try (GgufFile file = GgufFile.open(SharedModels.model("all-MiniLM-L6-v2-Q4_K_M.gguf"))) {
            var writer = new GgufWriter();
            file.metadata().entries().forEach(writer::put);
            writer.putUInt32("bert.pooling_type", Pooling.NONE.llamaValue());
            for (GgufTensor t : file.tensors()) writer.addTensor(t.name(), t.type(), t.shape(), file.data(t));
            writer.write(copy);
        }
        var spec = ModelSpec.of("m", copy);
        var info = JavaBackendTest.backend().describe(spec);
        assertThat(info.unsupported()).containsExactly("pooling type 0 does not give one vector per text (supported: mean, cls, last)");
        assertThatThrownBy(() -> JavaBackendTest.backend().load(spec))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.UNSUPPORTED))
                .hasMessageContaining("pooling type 0");
    }

    /** No shared model holds a type we lack any more: a copy of one with a tensor retyped to MXFP4 does. */
    @Test
    void aTensorTypeWeLackIsNamedWithTheOnesWeHave() throws Exception {
        Path copy = tmp.resolve("mxfp4.gguf");
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf")); Arena arena = Arena.ofConfined()) {
            var writer = new GgufWriter();
            file.metadata().entries().forEach(writer::put);
            for (GgufTensor t : file.tensors()) {
                if (t.name().equals("blk.0.attn_q.weight")) {
                    writer.addTensor(t.name(), GgmlType.MXFP4, t.shape(), arena.allocate(GgmlType.MXFP4.byteSize(t.elementCount())));
                } else {
                    writer.addTensor(t.name(), t.type(), t.shape(), file.data(t));
                }
            }
            writer.write(copy);
        }
        var spec = ModelSpec.of("m", copy);
        var info = JavaBackendTest.backend().describe(spec);
        assertThat(info.supported()).isFalse();
        assertThat(info.unsupported()).containsExactly("tensor type MXFP4 (1 tensor) is not supported yet (supported: "
                + "F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, BF16)");
        assertThatThrownBy(() -> JavaBackendTest.backend().load(spec))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.UNSUPPORTED))
                .hasMessageContaining("MXFP4");
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
