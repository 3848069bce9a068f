package io.localgate.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.engine.SharedModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GgufFileTest {

    @TempDir
    Path tmp;

    static Stream<Path> sharedModels() throws IOException {
        try (Stream<Path> files = Files.list(SharedModels.dir())) {
            return files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList().stream();
        }
    }

    @Test
    void readsMetadataAndTensorsOfARealFile() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            assertThat(file.version()).isEqualTo(3);
            GgufMetadata md = file.metadata();
            assertThat(md.getString("general.architecture")).isEqualTo("llama");
            assertThat(md.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(md.getInt("llama.block_count")).isEqualTo(5);
            assertThat(md.getInt("llama.attention.head_count")).isEqualTo(8);
            assertThat(md.getInt("llama.attention.head_count_kv")).isEqualTo(4);
            assertThat(md.getStringArray("tokenizer.ggml.tokens")).hasSize(512);
            assertThat(md.findFloatArray("tokenizer.ggml.scores")).get().satisfies(s -> assertThat(s).hasSize(512));
            assertThat(file.tensors()).hasSize(48);
            GgufTensor embeddings = file.tensor("token_embd.weight");
            assertThat(embeddings.type()).isEqualTo(GgmlType.F32);
            assertThat(embeddings.shape()).containsExactly(64, 512);
            assertThat(file.data(embeddings).byteSize()).isEqualTo(64L * 512 * 4);
            assertThatThrownBy(() -> md.getString("llama.block_count"))
                    .isInstanceOf(GgufException.class).hasMessageContaining("llama.block_count should be a string");
        }
    }

    /** Every tensor type in the shared models parses, and rewriting a file reproduces it byte for byte. */
    @ParameterizedTest
    @MethodSource("sharedModels")
    void rewritingARealFileReproducesItExactly(Path model) throws IOException {
        Path copy = tmp.resolve("copy.gguf");
        try (GgufFile file = GgufFile.open(model)) {
            var writer = new GgufWriter();
            file.metadata().entries().forEach(writer::put);
            for (GgufTensor t : file.tensors()) writer.addTensor(t.name(), t.type(), t.shape(), file.data(t));
            writer.write(copy);
        }
        assertThat(Files.mismatch(model, copy)).isEqualTo(-1L);
    }

    @Test
    void writesEveryValueTypeAndReadsItBack() throws IOException {
        Path path = tmp.resolve("types.gguf");
        float[] weights = {1f, -2f, 3.5f, 0f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(16);
            MemorySegment.copy(weights, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 4);
            new GgufWriter()
                    .putString("general.architecture", "test")
                    .putUInt32("a.u32", 4_000_000_000L)
                    .putInt32("a.i32", -5)
                    .putUInt64("a.u64", 1L << 40)
                    .putFloat32("a.f32", 0.5f)
                    .putBool("a.bool", true)
                    .putStrings("a.strings", new String[] {"x", "日本語", ""})
                    .putFloats("a.floats", new float[] {1.5f, 2.5f})
                    .putIntegers("a.ints", GgufValueType.INT32, new long[] {-1, 2, 3})
                    .addTensor("w", GgmlType.F32, new long[] {2, 2}, data)
                    .write(path);
        }
        try (GgufFile file = GgufFile.open(path)) {
            GgufMetadata md = file.metadata();
            assertThat(md.getLong("a.u32")).isEqualTo(4_000_000_000L);
            assertThat(md.getInt("a.i32")).isEqualTo(-5);
            assertThat(md.getLong("a.u64")).isEqualTo(1L << 40);
            assertThat(md.getFloat("a.f32")).isEqualTo(0.5f);
            assertThat(md.findBoolean("a.bool")).contains(true);
            assertThat(md.getStringArray("a.strings")).containsExactly("x", "日本語", "");
            assertThat(md.findFloatArray("a.floats").orElseThrow()).containsExactly(1.5f, 2.5f);
            assertThat(md.findIntegerArray("a.ints").orElseThrow()).containsExactly(-1, 2, 3);
            assertThatThrownBy(() -> md.getInt("a.u32")).isInstanceOf(GgufException.class).hasMessageContaining("out of range");
            float[] read = file.data(file.tensor("w")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            assertThat(read).containsExactly(weights);
        }
    }

    @Test
    void rejectsWrongMagicAndVersions() throws IOException {
        assertMalformed(bytes(0x12345678, 3), 0, "not a GGUF file");
        assertMalformed(bytes(GgufFile.MAGIC, 1), 4, "version 1 is not supported");
        assertMalformed(bytes(GgufFile.MAGIC, 7), 4, "unknown GGUF version 7");
        assertMalformed(bytes(GgufFile.MAGIC, Integer.reverseBytes(3)), 4, "big-endian");
        assertMalformed(new byte[0], 0, "file ends after 0 bytes");
    }

    @Test
    void rejectsCountsThatCannotFitTheFile() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(Long.MAX_VALUE / 4);
        assertMalformed(header.array(), 16, "metadata key/value count");
    }

    /** A file cut anywhere in its header fails with the offset where it ends; the data region is checked too. */
    @Test
    void everyTruncationOfARealFileIsAnErrorNamingAnOffset() throws IOException {
        byte[] original = Files.readAllBytes(SharedModels.model("stories260K-q8_0.gguf"));
        long dataStart = dataOffset(SharedModels.model("stories260K-q8_0.gguf"));
        Random random = new Random(1);
        for (int i = 0; i < 400; i++) {
            int cut = i < 200 ? random.nextInt((int) dataStart) : (int) dataStart + random.nextInt(original.length - (int) dataStart);
            Path truncated = tmp.resolve("truncated.gguf");
            Files.write(truncated, Arrays.copyOf(original, cut));
            assertThatThrownBy(() -> GgufFile.open(truncated).close())
                    .as("cut at %d", cut)
                    .isInstanceOfSatisfying(GgufException.class, e -> {
                        assertThat(e.offset()).isBetween(0L, (long) original.length);
                        assertThat(e.getMessage()).contains("at byte offset");
                    });
        }
    }

    /**
     * Random bit flips in the header either leave a readable file or give a GgufException; nothing else
     * escapes (no OutOfMemoryError, NegativeArraySizeException, IndexOutOfBounds...).
     */
    @Test
    void bitFlipsInTheHeaderNeverEscapeAsAnythingButGgufException() throws IOException {
        byte[] original = Files.readAllBytes(SharedModels.model("stories260K-q4_0.gguf"));
        long dataStart = dataOffset(SharedModels.model("stories260K-q4_0.gguf"));
        Random random = new Random(42);
        int rejected = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] corrupt = original.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt((int) dataStart);
                corrupt[at] ^= (byte) (1 << random.nextInt(8));
            }
            Path path = tmp.resolve("flipped.gguf");
            Files.write(path, corrupt);
            try (GgufFile file = GgufFile.open(path)) {
                for (GgufTensor t : file.tensors()) {
                    assertThat(t.fileOffset() + t.byteSize()).isLessThanOrEqualTo(file.size());
                    file.data(t); // must be addressable
                }
            } catch (GgufException e) {
                rejected++;
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        assertThat(rejected).as("most header flips are detected").isGreaterThan(200);
    }

    @Test
    void tensorDataIsUnusableAfterClose() throws IOException {
        GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"));
        MemorySegment data = file.data(file.tensor("output_norm.weight"));
        file.close();
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_FLOAT, 0)).isInstanceOf(IllegalStateException.class);
    }

    private static long dataOffset(Path model) throws IOException {
        try (GgufFile file = GgufFile.open(model)) {
            return file.dataOffset();
        }
    }

    private void assertMalformed(byte[] content, long offset, String message) throws IOException {
        Path path = tmp.resolve("bad.gguf");
        Files.write(path, content);
        assertThatThrownBy(() -> GgufFile.open(path).close())
                .isInstanceOfSatisfying(GgufException.class, e -> assertThat(e.offset()).isEqualTo(offset))
                .hasMessageContaining(message);
    }

    private static byte[] bytes(int magic, int version) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(magic).putInt(version).putLong(0).putLong(0).array();
    }
}
