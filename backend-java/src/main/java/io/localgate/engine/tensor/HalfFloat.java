package io.localgate.engine.tensor;

/**
 * The 16-bit float formats of ggml, converted exactly as ggml's CPU code does: IEEE half precision
 * (F16, round to nearest even) and bfloat16 (BF16, the top half of an F32, round to nearest even).
 */
public final class HalfFloat {

    private HalfFloat() {
    }

    public static float f16ToF32(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short f32ToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** The value an F16 round trip gives: what a dot product with F16 weights sees of an activation. */
    public static float roundToF16(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }

    public static float bf16ToF32(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** As ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
    public static short f32ToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7FFF + ((bits >>> 16) & 1))) >>> 16);
    }
}
