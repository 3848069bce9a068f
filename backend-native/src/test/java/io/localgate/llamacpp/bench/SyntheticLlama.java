package io.localgate.llamacpp.bench;

import io.localgate.engine.gguf.GgmlType;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.gguf.GgufMetadata;
import io.localgate.engine.gguf.GgufWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Llama-architecture GGUF with random Q8_0 weights and the tokenizer of another GGUF file,
 * so that a GPU check can time a model of a realistic size (by default about 0.85 B parameters,
 * 0.9 GB) without carrying one to the machine. Speed needs no trained weights.
 *
 * <p>Usage: {@code SyntheticLlama TOKENIZER.gguf OUT.gguf [n_embd n_layer n_head n_head_kv n_ff]}
 */
public final class SyntheticLlama {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SyntheticLlama() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 7) {
            System.err.println("usage: SyntheticLlama TOKENIZER.gguf OUT.gguf [n_embd n_layer n_head n_head_kv n_ff]");
            System.exit(2);
        }
        int embd = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        int layers = args.length > 2 ? Integer.parseInt(args[3]) : 16;
        int heads = args.length > 2 ? Integer.parseInt(args[4]) : 32;
        int kvHeads = args.length > 2 ? Integer.parseInt(args[5]) : 8;
        int ffn = args.length > 2 ? Integer.parseInt(args[6]) : 5632;
        int headDim = embd / heads;

        var out = new GgufWriter();
        int vocab;
        try (GgufFile donor = GgufFile.open(Path.of(args[0]))) {
            vocab = donor.metadata().getStringArray("tokenizer.ggml.tokens").length;
            for (Map.Entry<String, GgufMetadata.Entry> e : donor.metadata().entries().entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) out.put(e.getKey(), e.getValue());
            }
        }
        out.putString("general.architecture", "llama")
                .putString("general.name", "synthetic llama " + embd + "x" + layers + " Q8_0")
                .putUInt32("general.file_type", 7) // LLAMA_FTYPE_MOSTLY_Q8_0
                .putUInt32("llama.context_length", 4096)
                .putUInt32("llama.embedding_length", embd)
                .putUInt32("llama.block_count", layers)
                .putUInt32("llama.feed_forward_length", ffn)
                .putUInt32("llama.attention.head_count", heads)
                .putUInt32("llama.attention.head_count_kv", kvHeads)
                .putUInt32("llama.rope.dimension_count", headDim)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);

        var random = new SplittableRandom(42);
        try (Arena arena = Arena.ofConfined()) {
            out.addTensor("token_embd.weight", GgmlType.Q8_0, new long[] {embd, vocab}, q8(arena, random, (long) embd * vocab));
            for (int l = 0; l < layers; l++) {
                String p = "blk." + l + ".";
                out.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {embd}, ones(arena, embd));
                out.addTensor(p + "attn_q.weight", GgmlType.Q8_0, new long[] {embd, embd}, q8(arena, random, (long) embd * embd));
                out.addTensor(p + "attn_k.weight", GgmlType.Q8_0, new long[] {embd, (long) kvHeads * headDim},
                        q8(arena, random, (long) embd * kvHeads * headDim));
                out.addTensor(p + "attn_v.weight", GgmlType.Q8_0, new long[] {embd, (long) kvHeads * headDim},
                        q8(arena, random, (long) embd * kvHeads * headDim));
                out.addTensor(p + "attn_output.weight", GgmlType.Q8_0, new long[] {embd, embd}, q8(arena, random, (long) embd * embd));
                out.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {embd}, ones(arena, embd));
                out.addTensor(p + "ffn_gate.weight", GgmlType.Q8_0, new long[] {embd, ffn}, q8(arena, random, (long) embd * ffn));
                out.addTensor(p + "ffn_up.weight", GgmlType.Q8_0, new long[] {embd, ffn}, q8(arena, random, (long) embd * ffn));
                out.addTensor(p + "ffn_down.weight", GgmlType.Q8_0, new long[] {ffn, embd}, q8(arena, random, (long) ffn * embd));
            }
            out.addTensor("output_norm.weight", GgmlType.F32, new long[] {embd}, ones(arena, embd));
            out.addTensor("output.weight", GgmlType.Q8_0, new long[] {embd, vocab}, q8(arena, random, (long) embd * vocab));
            out.write(Path.of(args[1]));
        }
        System.out.printf("wrote %s: llama, n_embd %d, %d layers, %d/%d heads, n_ff %d, vocab %d, Q8_0%n",
                args[1], embd, layers, heads, kvHeads, ffn, vocab);
    }

    /** Q8_0 blocks (an f16 scale, 32 signed bytes) of random weights with a standard deviation near 0.02. */
    private static MemorySegment q8(Arena arena, SplittableRandom random, long elements) {
        long blocks = elements / 32;
        MemorySegment data = arena.allocate(blocks * 34);
        short scale = Float.floatToFloat16(0.02f / 73f); // uniform bytes have a standard deviation of about 73
        for (long b = 0; b < blocks; b++) {
            long at = b * 34;
            data.set(F16, at, scale);
            for (int i = 0; i < 32; i += 8) data.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 2 + i, random.nextLong());
        }
        return data;
    }

    private static MemorySegment ones(Arena arena, int n) {
        MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, n);
        for (int i = 0; i < n; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        return data;
    }
}
