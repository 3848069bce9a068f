package io.localgate.bench;

import io.localgate.llamacpp.ffi.Llama;
import java.util.Arrays;
import java.util.Locale;

/** The file types the synthetic models come in, with llama.cpp's {@code enum llama_ftype} for each. */
public enum QuantType {
    F16(Llama.FTYPE_MOSTLY_F16),
    Q8_0(Llama.FTYPE_MOSTLY_Q8_0),
    Q4_0(Llama.FTYPE_MOSTLY_Q4_0),
    Q4_K_M(Llama.FTYPE_MOSTLY_Q4_K_M);

    private final int llamaFtype;

    QuantType(int llamaFtype) {
        this.llamaFtype = llamaFtype;
    }

    int llamaFtype() {
        return llamaFtype;
    }

    /** The lower-case name used in file names, e.g. {@code q4_k_m}. */
    public String fileSuffix() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QuantType parse(String text) {
        return Arrays.stream(values()).filter(t -> t.fileSuffix().equals(text.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown type " + text + "; one of "
                        + Arrays.stream(values()).map(QuantType::fileSuffix).toList()));
    }
}
