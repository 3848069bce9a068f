package io.localgate.bench;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/**
 * Writes a random-weight llama model of a {@link ModelShape} as an F16 GGUF file, with the tokenizer
 * metadata of a real llama.cpp vocabulary file. Weights are drawn uniformly with the spread that keeps
 * every activation near unit scale (standard deviation 1/sqrt(fan-in), as common initialisations do),
 * and the tied embedding is scaled so that logits spread with a standard deviation of {@value #LOGIT_SPREAD}:
 * greedy choices are clear rather than near-ties. The same shape and seed give the same bytes.
 *
 * <p>Tensors are generated while the file is written, a chunk at a time, so a 2.5 GB file needs a few
 * megabytes of memory.
 */
public final class SyntheticModelWriter {

    /** Standard deviation of the logits for a unit-RMS final hidden state. */
    static final double LOGIT_SPREAD = 3.0;
    /** {@code LLAMA_FTYPE_MOSTLY_F16}. */
    private static final int FILE_TYPE_F16 = 1;
    private static final int CHUNK_BYTES = 1 << 20;

    private SyntheticModelWriter() {
    }

    /** Writes {@code shape} to {@code out} (through a temporary file beside it, so a partial file never has the final name). */
    public static void write(ModelShape shape, Path vocabFile, long seed, Path out) throws IOException {
        var writer = new GgufWriter();
        try (GgufFile vocab = GgufFile.open(vocabFile)) {
            String[] tokens = vocab.metadata().getStringArray("tokenizer.ggml.tokens");
            if (tokens.length != shape.vocabSize()) {
                throw new IllegalArgumentException(vocabFile + " has " + tokens.length + " tokens; " + shape.name() + " needs "
                        + shape.vocabSize());
            }
            writer.putString("general.architecture", "llama");
            writer.putString("general.name", "synthetic " + shape.name() + " (random weights, seed " + seed + ")");
            writer.putUInt32("general.file_type", FILE_TYPE_F16);
            writer.putUInt32("llama.vocab_size", shape.vocabSize());
            writer.putUInt32("llama.context_length", shape.contextLength());
            writer.putUInt32("llama.embedding_length", shape.hidden());
            writer.putUInt32("llama.block_count", shape.layers());
            writer.putUInt32("llama.feed_forward_length", shape.ffn());
            writer.putUInt32("llama.attention.head_count", shape.heads());
            writer.putUInt32("llama.attention.head_count_kv", shape.kvHeads());
            writer.putUInt32("llama.rope.dimension_count", shape.headDim());
            writer.putFloat32("llama.rope.freq_base", shape.ropeBase());
            writer.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
            vocab.metadata().entries().forEach((key, entry) -> {
                if (key.startsWith("tokenizer.")) writer.put(key, entry);
            });
            writer.putBool("tokenizer.ggml.add_bos_token", shape.addBos());
            writer.putString("tokenizer.chat_template", shape.chatTemplate());
        }

        int d = shape.hidden();
        addRandom(writer, seed, "token_embd.weight", d, shape.vocabSize(), LOGIT_SPREAD / Math.sqrt(d));
        for (int layer = 0; layer < shape.layers(); layer++) {
            String b = "blk." + layer + ".";
            addOnes(writer, b + "attn_norm.weight", d);
            addRandom(writer, seed, b + "attn_q.weight", d, d, 1 / Math.sqrt(d));
            addRandom(writer, seed, b + "attn_k.weight", d, shape.kvDim(), 1 / Math.sqrt(d));
            addRandom(writer, seed, b + "attn_v.weight", d, shape.kvDim(), 1 / Math.sqrt(d));
            addRandom(writer, seed, b + "attn_output.weight", d, d, 1 / Math.sqrt(d));
            addOnes(writer, b + "ffn_norm.weight", d);
            addRandom(writer, seed, b + "ffn_gate.weight", d, shape.ffn(), 1 / Math.sqrt(d));
            addRandom(writer, seed, b + "ffn_up.weight", d, shape.ffn(), 1 / Math.sqrt(d));
            addRandom(writer, seed, b + "ffn_down.weight", shape.ffn(), d, 1 / Math.sqrt(shape.ffn()));
        }
        addOnes(writer, "output_norm.weight", d);

        Files.createDirectories(out.toAbsolutePath().getParent());
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try {
            writer.write(partial);
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** An F16 matrix of {@code rows} rows of {@code columns} (GGUF shape [columns, rows]) with the given standard deviation. */
    private static void addRandom(GgufWriter writer, long seed, String name, int columns, int rows, double deviation) {
        // uniform on [-a, a) has standard deviation a / sqrt(3)
        float scale = (float) (deviation * Math.sqrt(3) / (1L << 31));
        long elements = (long) columns * rows;
        writer.addTensor(name, GgmlType.F16, new long[] {columns, rows}, out -> {
            var random = new SplittableRandom(seed ^ mix(name));
            fill(out, elements * Short.BYTES, buffer -> {
                while (buffer.remaining() >= Short.BYTES) buffer.putShort(Float.floatToFloat16(random.nextInt() * scale));
            });
        });
    }

    private static void addOnes(GgufWriter writer, String name, int length) {
        writer.addTensor(name, GgmlType.F32, new long[] {length}, out ->
                fill(out, (long) length * Float.BYTES, buffer -> {
                    while (buffer.remaining() >= Float.BYTES) buffer.putFloat(1f);
                }));
    }

    private interface ChunkFiller {
        void fill(ByteBuffer buffer);
    }

    private static void fill(WritableByteChannel out, long bytes, ChunkFiller filler) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long left = bytes; left > 0; ) {
            buffer.clear().limit((int) Math.min(CHUNK_BYTES, left));
            filler.fill(buffer);
            buffer.flip();
            left -= buffer.remaining();
            while (buffer.hasRemaining()) out.write(buffer);
        }
    }

    /** A well-spread 64-bit hash of a tensor name, so each tensor's stream differs and does not depend on the others. */
    private static long mix(String name) {
        long h = 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001B3L;
        return new SplittableRandom(h).nextLong();
    }
}
