package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.SHORT;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

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
        int vectorDims = headDim - headDim % REGISTER;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int t = 0; t < count; t++) {
            long offset = first + t * stride;
            float s = dotF16(keys, offset, query, headDim) * scale;
            float oldScale = 1f;
            float weight = 1f;
            if (s > max) {
                float previous = max;
                max = s;
                oldScale = Libm.expf(previous - max);
                for (int d = 0; d < vectorDims; d += REGISTER) {
                    Simd.roundToF16(FloatVector.fromArray(Simd.F16_LANES, acc, d).mul(oldScale)).intoArray(acc, d);
                }
                for (int d = vectorDims; d < headDim; d++) acc[d] = HalfFloat.roundToF16(acc[d] * oldScale);
            } else {
                weight = Libm.expf(s - max);
            }
            FloatVector w = FloatVector.broadcast(Simd.F16_LANES, weight);
            for (int d = 0; d < vectorDims; d += REGISTER) {
                FloatVector a = FloatVector.fromArray(Simd.F16_LANES, acc, d);
                Simd.roundToF16(halfs(values, offset + 2L * d).fma(w, a)).intoArray(acc, d);
            }
            for (int d = vectorDims; d < headDim; d++) {
                float v = HalfFloat.f16ToF32(values.get(SHORT, offset + 2L * d));
                acc[d] = HalfFloat.roundToF16(Math.fma(v, weight, acc[d]));
            }
            sum = sum * oldScale + weight; // not fused in ggml's build
        }
        float inverse = sum == 0f ? 0f : 1f / sum;
        for (int d = 0; d < headDim; d++) out[outOffset + d] = acc[d] * inverse;
    }

    /** 16 F16 values from {@code offset}, as floats. */
    private static FloatVector halfs(MemorySegment segment, long offset) {
        return Simd.f16ToF32(ShortVector.fromMemorySegment(Simd.S16_LANES, segment, offset, Simd.LE));
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
                if (t < valid) s = dotF32(keys, first + (start + t) * stride, q, qOffset, headDim) * scale;
                scores[t] = s;
                tileMax = Math.max(tileMax, s);
            }
            float newMax = Math.max(max, tileMax);
            if (newMax > max) {
                float rescale = Libm.expf(max - newMax);
                for (int d = 0; d < headDim; d += REGISTER) {
                    FloatVector.fromArray(Simd.F16_LANES, acc, d).mul(rescale).intoArray(acc, d);
                }
                sum *= rescale;
            }
            max = newMax;
            double tileSum = 0;
            for (int group = 0; group < TILE; group += REGISTER) {
                FloatVector e = Elementwise.vectorExpf(FloatVector.fromArray(Simd.F16_LANES, scores, group).sub(max));
                e.intoArray(scores, group);
                tileSum += Simd.sum16(e);
            }
            sum = (float) (sum + tileSum);
            for (int t = 0; t < valid; t++) {
                long offset = first + (start + t) * stride;
                FloatVector p = FloatVector.broadcast(Simd.F16_LANES, scores[t]);
                for (int d = 0; d < headDim; d += REGISTER) {
                    halfs(values, offset + 2L * d).fma(p, FloatVector.fromArray(Simd.F16_LANES, acc, d)).intoArray(acc, d);
                }
            }
        }
        float inverse = sum == 0f ? 0f : 1f / sum;
        for (int d = 0; d < headDim; d++) out[outOffset + d] = acc[d] * inverse;
    }

    /** An F16 key times an F32 query, in 16 lanes (the tiled kernel's head size is a multiple of 16). */
    private static float dotF32(MemorySegment keys, long offset, float[] q, int qOffset, int headDim) {
        FloatVector acc = FloatVector.zero(Simd.F16_LANES);
        for (int d = 0; d < headDim; d += REGISTER) {
            acc = halfs(keys, offset + 2L * d).fma(FloatVector.fromArray(Simd.F16_LANES, q, qOffset + d), acc);
        }
        return Simd.sum16(acc);
    }

    /**
     * ggml_vec_dot_f16 as built for AVX-512: whole steps of 64 accumulate in 4 x 16 float lanes with
     * fused multiply-adds, reduced pairwise; the rest, and the total, in double.
     */
    static float dotF16(MemorySegment keys, long offset, float[] query, int n) {
        double sum = 0;
        int whole = n - n % STEP;
        if (whole > 0) {
            FloatVector acc0 = FloatVector.zero(Simd.F16_LANES);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int i = 0; i < whole; i += STEP) {
                acc0 = halfs(keys, offset + 2L * i).fma(FloatVector.fromArray(Simd.F16_LANES, query, i), acc0);
                acc1 = halfs(keys, offset + 2L * (i + REGISTER)).fma(FloatVector.fromArray(Simd.F16_LANES, query, i + REGISTER), acc1);
                acc2 = halfs(keys, offset + 2L * (i + 2 * REGISTER)).fma(FloatVector.fromArray(Simd.F16_LANES, query, i + 2 * REGISTER), acc2);
                acc3 = halfs(keys, offset + 2L * (i + 3 * REGISTER)).fma(FloatVector.fromArray(Simd.F16_LANES, query, i + 3 * REGISTER), acc3);
            }
            sum = Simd.sum16(acc0.add(acc2).add(acc1.add(acc3)));
        }
        for (int i = whole; i < n; i++) {
            sum += HalfFloat.f16ToF32(keys.get(SHORT, offset + 2L * i)) * query[i];
        }
        return (float) sum;
    }
}
