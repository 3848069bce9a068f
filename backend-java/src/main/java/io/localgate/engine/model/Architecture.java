package io.localgate.engine.model;

import io.localgate.engine.tensor.Rope;
import java.util.Arrays;
import java.util.Optional;

/**
 * The decoder architectures the forward pass runs, as data: what differs between them is only how
 * RoPE pairs dimensions (llama.cpp's {@code rope_type} per architecture) and which optional tensors
 * (QKV biases) their files carry.
 */
public enum Architecture {
    /** Llama 2/3/3.x, Mistral, TinyLlama, SmolLM: adjacent RoPE pairs. */
    LLAMA("llama", Rope.Style.NORMAL),
    /** Qwen2 / Qwen2.5: QKV biases, NeoX RoPE. */
    QWEN2("qwen2", Rope.Style.NEOX);

    private final String ggufName;
    private final Rope.Style ropeStyle;

    Architecture(String ggufName, Rope.Style ropeStyle) {
        this.ggufName = ggufName;
        this.ropeStyle = ropeStyle;
    }

    /** By {@code general.architecture}. */
    public static Optional<Architecture> named(String ggufName) {
        return Arrays.stream(values()).filter(a -> a.ggufName.equals(ggufName)).findFirst();
    }

    /** The prefix of its metadata keys, e.g. {@code llama} in {@code llama.block_count}. */
    public String ggufName() {
        return ggufName;
    }

    public Rope.Style ropeStyle() {
        return ropeStyle;
    }
}
