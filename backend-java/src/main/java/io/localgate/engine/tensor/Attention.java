package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.S16_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Causal attention over F16 keys and values, with the numerics of ggml's CPU {@code flash_attn_ext},
 * which has two kernels: {@link #attend} (and {@link #attendGroup}) for decoding and short prompts, and
 * {@link #attendTiled} for prompt chunks of 64 rows or more (when the head size is a multiple of 16).
 *
 * <p>Both keep ggml's order of operations per output value; the vectors only run independent chains
 * side by side (16 dimensions of one accumulator, or the scores of 16 positions), so the results are
 * those of the one-value-at-a-time definition.
 */
public final class Attention {

    /** ggml's AVX-512 F16 dot product works in steps of 64 (4 registers of 16 lanes). */
    private static final int STEP = 64;
    private static final int REGISTER = 16;
    /** Positions per tile of the tiled kernel ({@code GGML_FA_TILE_KV}). */
    public static final int TILE = 64;
    private static final IntVector LANE_INDEX = IntVector.zero(Simd.I16_LANES).addIndex(1);

    /** Per-thread scratch space: the one-row kernel's queries and accumulators, the tiled kernel's tile as floats. */
    public static final class Scratch {
        final int headDim;
        /** The queries, rounded to F16, and the accumulators of the one-row kernel, {@code headDim} per head. */
        final float[] query;
        final float[] accumulator;
        final float[] weights;
        /** One position's key and value as floats. */
        final float[] keyRow;
        final float[] valueRow;
        final float[] scores = new float[TILE];
        final float[] lanes = new float[STEP];
        /** Keys of a tile, transposed: dimension {@code d} of position {@code t} at {@code d * TILE + t}. */
        final float[] keyTile;
        /** Values of a tile: dimension {@code d} of position {@code t} at {@code t * headDim + d}. */
        final float[] valueTile;
        final float[] maxima;
        final float[] sums;
        final int[] oneOffset = new int[1];
        final int[] oneOutOffset = new int[1];
        final int[] oneCount = new int[1];

        /** Scratch for one query at a time. */
        public Scratch(int headDim) {
            this(headDim, 1);
        }

        /** @param queries how many queries {@link #attendTiled} (or heads {@link #attendGroup}) may be given at once */
        public Scratch(int headDim, int queries) {
            this.headDim = headDim;
            query = new float[queries * headDim];
            accumulator = new float[queries * headDim];
            weights = new float[queries];
            keyRow = new float[headDim];
            valueRow = new float[headDim];
            keyTile = new float[TILE * headDim];
            valueTile = new float[TILE * headDim];
            maxima = new float[queries];
            sums = new float[queries];
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
        attendGroup(q, qOffset, 1, headDim, keys, values, first, stride, count, scale, out, outOffset, scratch);
    }

    /**
     * {@link #attend} for {@code heads} consecutive query heads that share the keys and values (the query
     * heads of one KV head, for one row), each position's key and value converted from F16 once for all.
     * Head {@code g} reads {@code q} from {@code qOffset + g * headDim} and writes {@code out} from
     * {@code outOffset + g * headDim}.
     */
    public static void attendGroup(float[] q, int qOffset, int heads, int headDim, MemorySegment keys, MemorySegment values,
                                   long first, long stride, int count, float scale, float[] out, int outOffset, Scratch scratch) {
        if (headDim != scratch.headDim || heads > scratch.weights.length) {
            throw new IllegalArgumentException(heads + " heads of " + headDim + " do not fit the scratch space");
        }
        float[] query = scratch.query;
        float[] acc = scratch.accumulator;
        float[] maxima = scratch.maxima;
        float[] sums = scratch.sums;
        float[] weights = scratch.weights;
        for (int i = 0; i < heads * headDim; i++) {
            query[i] = HalfFloat.roundToF16(q[qOffset + i]);
            acc[i] = 0f;
        }
        Arrays.fill(maxima, 0, heads, Float.NEGATIVE_INFINITY);
        Arrays.fill(sums, 0, heads, 0f);
        for (int t = 0; t < count; t++) {
            long offset = first + t * stride;
            toFloats(keys, offset, scratch.keyRow, headDim);
            for (int g = 0; g < heads; g++) {
                float s = dotF16(scratch.keyRow, query, g * headDim, headDim, scratch.lanes) * scale;
                float oldScale = 1f;
                float weight = 1f;
                if (s > maxima[g]) {
                    float previous = maxima[g];
                    maxima[g] = s;
                    oldScale = Libm.expf(previous - s);
                    scaleInF16(acc, g * headDim, headDim, oldScale);
                } else {
                    weight = Libm.expf(s - maxima[g]);
                }
                weights[g] = weight;
                sums[g] = sums[g] * oldScale + weight; // not fused in ggml's build
            }
            toFloats(values, offset, scratch.valueRow, headDim);
            for (int g = 0; g < heads; g++) accumulateInF16(scratch.valueRow, weights[g], acc, g * headDim, headDim);
        }
        for (int g = 0; g < heads; g++) {
            float inverse = sums[g] == 0f ? 0f : 1f / sums[g];
            for (int d = g * headDim; d < (g + 1) * headDim; d++) out[outOffset + d] = acc[d] * inverse;
        }
    }

    // The kernels' steps are separate small methods that keep their vectors to themselves: one method
    // holding them all is beyond what C2 inlines, and a vector passed to a method it does not inline is
    // boxed.

    /** The {@code n} F16 values at {@code offset} as floats. */
    private static void toFloats(MemorySegment segment, long offset, float[] out, int n) {
        int d = 0;
        for (; d <= n - REGISTER; d += REGISTER) f16Lanes(segment, offset + 2L * d).intoArray(out, d);
        for (; d < n; d++) out[d] = HalfFloat.f16ToF32(segment.get(SHORT, offset + 2L * d));
    }

    /**
     * ggml_vec_dot_f16 as built for AVX-512, of a key (F16 values as floats) and a query (rounded to F16):
     * whole steps of 64 accumulate in 4 x 16 float lanes with fused multiply-adds, reduced pairwise; the
     * rest, and the total, in double.
     */
    static float dotF16(float[] key, float[] query, int qOffset, int n, float[] lanes) {
        double sum = 0;
        int whole = n - n % STEP;
        if (whole > 0) {
            // lane l of the 64 at lanes[l], one register per iteration
            Arrays.fill(lanes, 0f);
            for (int i = 0; i < whole; i += REGISTER) {
                int l = i % STEP;
                FloatVector.fromArray(F16_LANES, key, i)
                        .fma(FloatVector.fromArray(F16_LANES, query, qOffset + i), FloatVector.fromArray(F16_LANES, lanes, l))
                        .intoArray(lanes, l);
            }
            FloatVector l0 = FloatVector.fromArray(F16_LANES, lanes, 0);
            FloatVector l1 = FloatVector.fromArray(F16_LANES, lanes, REGISTER);
            FloatVector l2 = FloatVector.fromArray(F16_LANES, lanes, 2 * REGISTER);
            FloatVector l3 = FloatVector.fromArray(F16_LANES, lanes, 3 * REGISTER);
            sum = Simd.sum16(l0.add(l2).add(l1.add(l3)));
        }
        for (int i = whole; i < n; i++) sum += key[i] * query[qOffset + i];
        return (float) sum;
    }

    /** {@code acc[d] = roundToF16(acc[d] * factor)} for {@code n} values from {@code offset}. */
    private static void scaleInF16(float[] acc, int offset, int n, float factor) {
        int d = offset;
        for (; d <= offset + n - REGISTER; d += REGISTER) {
            roundToF16(FloatVector.fromArray(F16_LANES, acc, d).mul(factor)).intoArray(acc, d);
        }
        for (; d < offset + n; d++) acc[d] = HalfFloat.roundToF16(acc[d] * factor);
    }

    /** {@code acc[offset + d] = roundToF16(fma(v[d], weight, acc[offset + d]))}. */
    private static void accumulateInF16(float[] v, float weight, float[] acc, int offset, int n) {
        FloatVector w = FloatVector.broadcast(F16_LANES, weight);
        int d = 0;
        for (; d <= n - REGISTER; d += REGISTER) {
            roundToF16(FloatVector.fromArray(F16_LANES, v, d).fma(w, FloatVector.fromArray(F16_LANES, acc, offset + d)))
                    .intoArray(acc, offset + d);
        }
        for (; d < n; d++) acc[offset + d] = HalfFloat.roundToF16(Math.fma(v[d], weight, acc[offset + d]));
    }

    /**
     * The tiled kernel for several queries against the same keys and values (the query heads that share
     * a KV head, for a block of rows of one sequence): each query, F32, meets the keys in tiles of 64
     * positions (scores by fused multiply-adds in order), the softmax runs per tile with ggml's vector
     * exp, and the values accumulate in F32. A tile is converted from F16 once for all the queries.
     *
     * @param queryOffsets where each query's {@code headDim} values start in {@code q}
     * @param counts       how many positions each query attends to
     * @param queries      how many queries (at most the scratch's)
     * @param outOffsets   where each query's output goes in {@code out}
     */
    public static void attendTiled(float[] q, int[] queryOffsets, int[] counts, int queries, int headDim,
                                   MemorySegment keys, MemorySegment values, long first, long stride, float scale,
                                   float[] out, int[] outOffsets, Scratch scratch) {
        if (headDim % REGISTER != 0 || headDim != scratch.headDim) {
            throw new IllegalArgumentException("the tiled kernel needs the scratch's head size, a multiple of 16: " + headDim);
        }
        float[] maxima = scratch.maxima;
        float[] sums = scratch.sums;
        int longest = 0;
        for (int j = 0; j < queries; j++) {
            Arrays.fill(out, outOffsets[j], outOffsets[j] + headDim, 0f);
            maxima[j] = Float.NEGATIVE_INFINITY;
            sums[j] = 0f;
            longest = Math.max(longest, counts[j]);
        }
        for (int start = 0; start < longest; start += TILE) {
            loadTile(keys, values, first + start * stride, stride, Math.min(TILE, longest - start), headDim, scratch);
            for (int j = 0; j < queries; j++) {
                if (counts[j] > start) {
                    attendTile(q, queryOffsets[j], headDim, Math.min(TILE, counts[j] - start), scale,
                            out, outOffsets[j], j, scratch);
                }
            }
        }
        for (int j = 0; j < queries; j++) {
            scale(out, outOffsets[j], headDim, sums[j] == 0f ? 0f : 1f / sums[j]);
        }
    }

    /** {@link #attendTiled(float[], int[], int[], int, int, MemorySegment, MemorySegment, long, long, float, float[], int[], Scratch)} for one query. */
    public static void attendTiled(float[] q, int qOffset, int headDim, MemorySegment keys, MemorySegment values,
                                   long first, long stride, int count, float scale, float[] out, int outOffset, Scratch scratch) {
        scratch.oneOffset[0] = qOffset;
        scratch.oneOutOffset[0] = outOffset;
        scratch.oneCount[0] = count;
        attendTiled(q, scratch.oneOffset, scratch.oneCount, 1, headDim, keys, values, first, stride, scale, out,
                scratch.oneOutOffset, scratch);
    }

    /** Converts {@code filled} positions of keys (transposed) and values to floats; the rest of the tile is zero. */
    private static void loadTile(MemorySegment keys, MemorySegment values, long offset, long stride, int filled,
                                 int headDim, Scratch scratch) {
        float[] keyTile = scratch.keyTile;
        float[] valueTile = scratch.valueTile;
        for (int t = 0; t < filled; t++) {
            long at = offset + t * stride;
            for (int d = 0; d < headDim; d++) {
                keyTile[d * TILE + t] = HalfFloat.f16ToF32(keys.get(SHORT, at + 2L * d));
            }
            for (int d = 0; d < headDim; d += REGISTER) {
                f16Lanes(values, at + 2L * d).intoArray(valueTile, t * headDim + d);
            }
        }
        if (filled < TILE) {
            for (int d = 0; d < headDim; d++) Arrays.fill(keyTile, d * TILE + filled, (d + 1) * TILE, 0f);
        }
    }

    /** One tile of the online softmax for query {@code j}, of which {@code valid} positions count. */
    private static void attendTile(float[] q, int qOffset, int headDim, int valid, float scale,
                                   float[] acc, int accOffset, int j, Scratch scratch) {
        float[] scores = scratch.scores;
        float tileMax = tileScores(scratch.keyTile, q, qOffset, headDim, valid, scale, scores);
        float max = scratch.maxima[j];
        float sum = scratch.sums[j];
        float newMax = Math.max(max, tileMax);
        if (newMax > max) {
            float rescale = Libm.expf(max - newMax);
            scale(acc, accOffset, headDim, rescale);
            sum *= rescale;
        }
        scratch.maxima[j] = newMax;
        scratch.sums[j] = (float) (sum + exponentials(scores, newMax));
        accumulateTile(scratch.valueTile, scores, valid, headDim, acc, accOffset);
    }

    /**
     * The scaled scores of a tile's positions ({@code -inf} from {@code valid} on) into {@code scores}, and
     * their maximum. Position t's score is lane t % 16 of the t / 16-th vector: a chain of fused
     * multiply-adds over the dimensions in order, as the one-position-at-a-time definition.
     */
    private static float tileScores(float[] keyTile, float[] q, int qOffset, int headDim, int valid, float scale, float[] scores) {
        FloatVector s0 = FloatVector.zero(F16_LANES);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int d = 0; d < headDim; d++) {
            FloatVector qd = FloatVector.broadcast(F16_LANES, q[qOffset + d]);
            int row = d * TILE;
            s0 = FloatVector.fromArray(F16_LANES, keyTile, row).fma(qd, s0);
            s1 = FloatVector.fromArray(F16_LANES, keyTile, row + REGISTER).fma(qd, s1);
            s2 = FloatVector.fromArray(F16_LANES, keyTile, row + 2 * REGISTER).fma(qd, s2);
            s3 = FloatVector.fromArray(F16_LANES, keyTile, row + 3 * REGISTER).fma(qd, s3);
        }
        s0 = s0.mul(scale).blend(Float.NEGATIVE_INFINITY, LANE_INDEX.compare(VectorOperators.GE, valid).cast(F16_LANES));
        s1 = s1.mul(scale).blend(Float.NEGATIVE_INFINITY, LANE_INDEX.compare(VectorOperators.GE, valid - REGISTER).cast(F16_LANES));
        s2 = s2.mul(scale).blend(Float.NEGATIVE_INFINITY, LANE_INDEX.compare(VectorOperators.GE, valid - 2 * REGISTER).cast(F16_LANES));
        s3 = s3.mul(scale).blend(Float.NEGATIVE_INFINITY, LANE_INDEX.compare(VectorOperators.GE, valid - 3 * REGISTER).cast(F16_LANES));
        s0.intoArray(scores, 0);
        s1.intoArray(scores, REGISTER);
        s2.intoArray(scores, 2 * REGISTER);
        s3.intoArray(scores, 3 * REGISTER);
        return s0.max(s1).max(s2.max(s3)).reduceLanes(VectorOperators.MAX);
    }

    /** Replaces each score by ggml's vector exp of {@code score - max}; returns their sum, 16 at a time as ggml adds them. */
    private static double exponentials(float[] scores, float max) {
        double sum = 0;
        for (int t = 0; t < TILE; t += REGISTER) {
            FloatVector e = Elementwise.vectorExpf(FloatVector.fromArray(F16_LANES, scores, t).sub(max));
            e.intoArray(scores, t);
            sum += Simd.sum16(e);
        }
        return sum;
    }

    /** {@code acc[d] = fma(v(t)[d], p(t), acc[d])} for the tile's positions in order: independent across d. */
    private static void accumulateTile(float[] valueTile, float[] weights, int valid, int headDim, float[] acc, int accOffset) {
        int d = 0;
        for (; d + 4 * REGISTER <= headDim; d += 4 * REGISTER) {
            FloatVector a0 = FloatVector.fromArray(F16_LANES, acc, accOffset + d);
            FloatVector a1 = FloatVector.fromArray(F16_LANES, acc, accOffset + d + REGISTER);
            FloatVector a2 = FloatVector.fromArray(F16_LANES, acc, accOffset + d + 2 * REGISTER);
            FloatVector a3 = FloatVector.fromArray(F16_LANES, acc, accOffset + d + 3 * REGISTER);
            for (int t = 0; t < valid; t++) {
                FloatVector p = FloatVector.broadcast(F16_LANES, weights[t]);
                int row = t * headDim + d;
                a0 = FloatVector.fromArray(F16_LANES, valueTile, row).fma(p, a0);
                a1 = FloatVector.fromArray(F16_LANES, valueTile, row + REGISTER).fma(p, a1);
                a2 = FloatVector.fromArray(F16_LANES, valueTile, row + 2 * REGISTER).fma(p, a2);
                a3 = FloatVector.fromArray(F16_LANES, valueTile, row + 3 * REGISTER).fma(p, a3);
            }
            a0.intoArray(acc, accOffset + d);
            a1.intoArray(acc, accOffset + d + REGISTER);
            a2.intoArray(acc, accOffset + d + 2 * REGISTER);
            a3.intoArray(acc, accOffset + d + 3 * REGISTER);
        }
        for (; d < headDim; d += REGISTER) {
            FloatVector a = FloatVector.fromArray(F16_LANES, acc, accOffset + d);
            for (int t = 0; t < valid; t++) {
                a = FloatVector.fromArray(F16_LANES, valueTile, t * headDim + d).fma(FloatVector.broadcast(F16_LANES, weights[t]), a);
            }
            a.intoArray(acc, accOffset + d);
        }
    }

    /** {@code x[offset + d] *= factor} for a head ({@code n} a multiple of 16). */
    private static void scale(float[] x, int offset, int n, float factor) {
        for (int d = offset; d < offset + n; d += REGISTER) {
            FloatVector.fromArray(F16_LANES, x, d).mul(factor).intoArray(x, d);
        }
    }

    /** 16 F16 values from {@code offset} as floats. */
    private static FloatVector f16Lanes(MemorySegment segment, long offset) {
        return Simd.f16ToF32(ShortVector.fromMemorySegment(S16_LANES, segment, offset, LE));
    }

    /**
     * {@link HalfFloat#roundToF16} on every lane: the F32 rounded to the nearest F16 (ties to even),
     * by rounding the bits for normal F16 values and by adding and removing 0.5 (whose ulp is the F16
     * subnormal step) below; too large becomes infinite, NaN stays NaN.
     */
    static FloatVector roundToF16(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector magnitude = bits.and(0x7FFF_FFFF);
        IntVector normal = magnitude.add(0x0FFF).add(magnitude.lanewise(VectorOperators.LSHR, 13).and(1)).and(0xFFFF_E000);
        IntVector small = magnitude.reinterpretAsFloats().add(0.5f).sub(0.5f).reinterpretAsInts();
        IntVector rounded = normal.blend(0x7F80_0000, normal.compare(VectorOperators.GE, 0x4780_0000))
                .blend(small, magnitude.compare(VectorOperators.LT, 0x3880_0000));
        VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, 0x7F80_0000);
        return rounded.or(bits.and(0x8000_0000)).blend(bits, nan).reinterpretAsFloats();
    }
}
