package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelsTest {

    @TempDir
    Path dir;

    @Test
    void makesWhatIsMissingOnceUnderTheConfiguredNames() throws Exception {
        var log = new ByteArrayOutputStream();
        var models = new SyntheticModels(dir, "synth-{shape}.{type}.gguf", TinyModel.vocabDir(), 1, new PrintStream(log, true));
        Path q8 = models.ensure(TinyModel.SHAPE, QuantType.Q8_0);
        assertThat(q8).isEqualTo(dir.resolve("synth-tiny.q8_0.gguf")).isRegularFile();
        assertThat(dir.resolve("synth-tiny.f16.gguf")).isRegularFile();
        var modified = Files.getLastModifiedTime(q8);

        log.reset();
        assertThat(models.ensure(TinyModel.SHAPE, QuantType.Q8_0)).isEqualTo(q8);
        assertThat(Files.getLastModifiedTime(q8)).isEqualTo(modified);
        assertThat(log.toString()).isEmpty();
    }

    @Test
    void aMissingVocabularyFolderSaysWhereToPointIt() {
        var models = new SyntheticModels(dir, SyntheticModels.DEFAULT_NAMES, dir.resolve("nowhere"), 1, new PrintStream(new ByteArrayOutputStream()));
        assertThatThrownBy(() -> models.ensure(TinyModel.SHAPE, QuantType.F16)).hasMessageContaining("--vocab-dir");
        assertThatThrownBy(() -> new SyntheticModels(dir, "model.gguf", dir, 1, System.out)).hasMessageContaining("{shape}");
    }
}
