package io.localgate.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The geometry of a llama-family model: what the synthetic model generator needs to write a file with
 * the compute and memory traffic of the real model. Weights are random; the tokenizer is a real one
 * (one of llama.cpp's {@code ggml-vocab-*.gguf} files).
 *
 * @param name          the file name prefix, e.g. {@code llama-1b}
 * @param vocabFile     the llama.cpp vocabulary file that supplies the tokenizer
 * @param vocabSize     tokens the vocabulary must have (checked against the file)
 * @param hidden        embedding length
 * @param layers        transformer blocks
 * @param heads         attention heads
 * @param kvHeads       key/value heads (grouped-query attention)
 * @param ffn           feed-forward length
 * @param ropeBase      RoPE frequency base
 * @param contextLength the context length written into the file
 * @param addBos        whether the tokenizer adds BOS to a prompt
 * @param chatTemplate  the Jinja chat template written into the file
 */
public record ModelShape(String name, String vocabFile, int vocabSize, int hidden, int layers, int heads, int kvHeads,
                         int ffn, float ropeBase, int contextLength, boolean addBos, String chatTemplate) {

    private static final String LLAMA3_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    private static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Llama 3.2 1B: llama3's byte-level BPE vocabulary, tied embeddings. */
    public static final ModelShape LLAMA_1B = new ModelShape("llama-1b", "ggml-vocab-llama-bpe.gguf", 128256,
            2048, 16, 32, 8, 8192, 500000f, 8192, true, LLAMA3_TEMPLATE);
    /** SmolLM2-135M: a 49152-token StarCoder-family BPE vocabulary (SmolLM2's own family), tied embeddings. */
    public static final ModelShape SMOLLM2_135M = new ModelShape("smollm2-135m", "ggml-vocab-starcoder.gguf", 49152,
            576, 30, 9, 3, 1536, 100000f, 8192, false, CHATML_TEMPLATE);

    public static final List<ModelShape> KNOWN = List.of(LLAMA_1B, SMOLLM2_135M);

    public ModelShape {
        if (hidden % heads != 0) throw new IllegalArgumentException(name + ": hidden " + hidden + " is not a multiple of heads " + heads);
        if (heads % kvHeads != 0) throw new IllegalArgumentException(name + ": heads " + heads + " is not a multiple of kvHeads " + kvHeads);
    }

    public static Optional<ModelShape> byName(String name) {
        return KNOWN.stream().filter(s -> s.name.equals(name.toLowerCase(Locale.ROOT))).findFirst();
    }

    public int headDim() {
        return hidden / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Weights in the file (tied embeddings: the token embedding is also the output matrix). */
    public long parameterCount() {
        long perLayer = 2L * hidden + (long) hidden * hidden * 2 + (long) hidden * kvDim() * 2 + 3L * hidden * ffn;
        return (long) vocabSize * hidden + layers * perLayer + hidden;
    }
}
