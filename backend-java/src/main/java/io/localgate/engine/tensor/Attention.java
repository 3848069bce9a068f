package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.SHORT;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Causal attention of one query head over F16 keys and values, with the numerics of ggml's CPU
 * {@code flash_attn_ext}, which has two kernels: {@link #attend} for decoding and short prompts, and
 * {@link #attendTiled} for prompt chunks of 64 rows or more (when the head size is a multiple of 16).
 */
public final class Attention {

    /** ggml's AVX-512 F16 dot product works in steps of 64 (4 registers of 16 lanes). */
    private static final int STEP = 64;
    private static final int REGISTER = 16;
    /** Positions per tile of the tiled kernel ({@code GGML_FA_TILE_KV}). */
    public static final int TILE = 64;

    /** Per-thread scratch space for one head. */
    public static final class Scratch {
        final float[] query;
        final float[] accumulator;
        final float[] lanes = new float[STEP];
        final float[] scores = new float[TILE];

        public Scratch(int headDim) {
            query = new float[headDim];
            accumulator = new float[headDim];
        }
    }

    private Attention() {
    }

    /**
     * The one-row kernel: the query is rounded to F16, each score is an F16 dot product, the softmax runs
     * online in F32, and the weighted sum of values accumulates in F16.
     *
     * @param q         query values ({@code headDim} from {@code qOffset}), already rotated
     * @param keys      F16 keys; key {@code t} of this head starts at byte {@code first + t * stride}
     * @param values    F16 values, laid out as the keys
     * @param count     how many positions to attend to (0 to {@code count - 1})
     * @param out       receives {@code headDim} values from {@code outOffset}
     */
    public static void attend(float[] q, int qOffset, int headDim, MemorySegment keys, MemorySegment values,
                              long first, long stride, int count, float scale, float[] out, int outOffset, Scratch scratch) {
        float[] query = scratch.query;
        float[] acc = scratch.accumulator;
        for (int d = 0; d < headDim; d++) {
            query[d] = HalfFloat.roundToF16(q[qOffset + d]);
            acc[d] = 0f;
        }
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int t = 0; t < count; t++) {
            long offset = first + t * stride;
            float s = dotF16(keys, offset, query, headDim, scratch.lanes) * scale;
            float oldScale = 1f;
            float weight = 1f;
            if (s > max) {
                float previous = max;
                max = s;
                oldScale = Libm.expf(previous - max);
                for (int d = 0; d < headDim; d++) acc[d] = HalfFloat.roundToF16(acc[d] * oldScale);
            } else {
                weight = Libm.expf(s - max);
            }
            for (int d = 0; d < headDim; d++) {
                float v = HalfFloat.f16ToF32(values.get(SHORT, offset + 2L * d));
                acc[d] = HalfFloat.roundToF16(Math.fma(v, weight, acc[d]));
            }
            sum = sum * oldScale + weight; // not fused in ggml's build
        }
        float inverse = sum == 0f ? 0f : 1f / sum;
        for (int d = 0; d < headDim; d++) out[outOffset + d] = acc[d] * inverse;
    }

    /**
     * The tiled kernel: an F32 query against keys in tiles of 64 positions (scores by fused multiply-adds
     * in order), the softmax per tile with ggml's vector exp, values accumulated in F32.
     */
    public static void attendTiled(float[] q, int qOffset, int headDim, MemorySegment keys, MemorySegment values,
                                   long first, long stride, int count, float scale, float[] out, int outOffset, Scratch scratch) {
        float[] acc = scratch.accumulator;
        float[] scores = scratch.scores;
        Arrays.fill(acc, 0, headDim, 0f);
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int start = 0; start < count; start += TILE) {
            int valid = Math.min(TILE, count - start);
            float tileMax = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < TILE; t++) {
                float s = Float.NEGATIVE_INFINITY;
                if (t < valid) {
                    long offset = first + (start + t) * stride;
                    s = 0f;
                    for (int d = 0; d < headDim; d++) {
                        s = Math.fma(HalfFloat.f16ToF32(keys.get(SHORT, offset + 2L * d)), q[qOffset + d], s);
                    }
                    s *= scale;
                }
                scores[t] = s;
                tileMax = Math.max(tileMax, s);
            }
            float newMax = Math.max(max, tileMax);
            if (newMax > max) {
                float rescale = Libm.expf(max - newMax);
                for (int d = 0; d < headDim; d++) acc[d] *= rescale;
                sum *= rescale;
            }
            max = newMax;
            double tileSum = 0;
            for (int group = 0; group < TILE; group += REGISTER) {
                for (int t = group; t < group + REGISTER; t++) scores[t] = Elementwise.vectorExpf(scores[t] - max);
                tileSum += sum16(scores, group);
            }
            sum = (float) (sum + tileSum);
            for (int t = 0; t < valid; t++) {
                long offset = first + (start + t) * stride;
                for (int d = 0; d < headDim; d++) {
                    acc[d] = Math.fma(HalfFloat.f16ToF32(values.get(SHORT, offset + 2L * d)), scores[t], acc[d]);
                }
            }
        }
        float inverse = sum == 0f ? 0f : 1f / sum;
        for (int d = 0; d < headDim; d++) out[outOffset + d] = acc[d] * inverse;
    }

    /** {@code _mm512_reduce_add_ps} of 16 values from {@code offset}. */
    private static float sum16(float[] v, int o) {
        float q0 = (v[o] + v[o + 8]) + (v[o + 4] + v[o + 12]);
        float q1 = (v[o + 1] + v[o + 9]) + (v[o + 5] + v[o + 13]);
        float q2 = (v[o + 2] + v[o + 10]) + (v[o + 6] + v[o + 14]);
        float q3 = (v[o + 3] + v[o + 11]) + (v[o + 7] + v[o + 15]);
        return (q0 + q2) + (q1 + q3);
    }

    /**
     * ggml_vec_dot_f16 as built for AVX-512: whole steps of 64 accumulate in 4 x 16 float lanes with
     * fused multiply-adds, reduced pairwise; the rest, and the total, in double.
     */
    static float dotF16(MemorySegment keys, long offset, float[] query, int n, float[] lanes) {
        double sum = 0;
        int whole = n - n % STEP;
        if (whole > 0) {
            Arrays.fill(lanes, 0f);
            for (int i = 0; i < whole; i += STEP) {
                for (int j = 0; j < STEP; j++) {
                    float k = HalfFloat.f16ToF32(keys.get(SHORT, offset + 2L * (i + j)));
                    lanes[j] = Math.fma(k, query[i + j], lanes[j]);
                }
            }
            for (int l = 0; l < REGISTER; l++) {
                lanes[l] += lanes[2 * REGISTER + l];
                lanes[REGISTER + l] += lanes[3 * REGISTER + l];
                lanes[l] += lanes[REGISTER + l];
            }
            sum = reduce16(lanes);
        }
        for (int i = whole; i < n; i++) {
            sum += HalfFloat.f16ToF32(keys.get(SHORT, offset + 2L * i)) * query[i];
        }
        return (float) sum;
    }

    /** The tree of {@code _mm512_reduce_add_ps}: halves, quarters, then pairs. */
    private static float reduce16(float[] lanes) {
        for (int l = 0; l < 8; l++) lanes[l] += lanes[l + 8];
        for (int l = 0; l < 4; l++) lanes[l] += lanes[l + 4];
        return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
    }
}
