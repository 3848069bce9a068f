package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The vectorised attention kernels give bit for bit what the scalar definitions give (ggml's
 * flash_attn_ext numerics, which the conformance tests against llama.cpp rely on): the scalar kernels
 * are kept here as the reference.
 */
class AttentionKernelsTest {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_COUNT = 200;
    private static final int KV_HEADS = 2;

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 72, 16})
    void oneRowKernelMatchesTheScalarDefinition(int headDim) {
        var random = new SplittableRandom(headDim);
        try (Arena arena = Arena.ofConfined()) {
            Cache cache = new Cache(arena, headDim, random);
            var scratch = new Attention.Scratch(headDim, 1);
            float[] lanes = new float[64];
            float[] expected = new float[headDim];
            float[] actual = new float[headDim];
            for (int count = 1; count <= MAX_COUNT; count++) {
                float[] q = cache.query(random);
                int head = count % KV_HEADS;
                float scale = (float) (1 / Math.sqrt(headDim));
                ScalarAttention.attend(q, 0, headDim, cache.keys, cache.values, cache.first(head), cache.stride, count, scale,
                        expected, 0, new float[headDim], new float[headDim], lanes);
                Attention.attend(q, 0, headDim, cache.keys, cache.values, cache.first(head), cache.stride, count, scale,
                        actual, 0, scratch);
                assertBitwiseEqual(actual, expected, "head size " + headDim + ", count " + count);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 72})
    void groupedOneRowKernelMatchesTheScalarDefinitionForEveryHead(int headDim) {
        var random = new SplittableRandom(3 * headDim);
        int heads = 4;
        try (Arena arena = Arena.ofConfined()) {
            Cache cache = new Cache(arena, headDim, random);
            var scratch = new Attention.Scratch(headDim, heads);
            float[] lanes = new float[64];
            float[] q = new float[heads * headDim];
            float[] out = new float[3 + heads * headDim];
            float[] expected = new float[headDim];
            float scale = (float) (1 / Math.sqrt(headDim));
            for (int count = 1; count <= MAX_COUNT; count += 3) {
                for (int g = 0; g < heads; g++) System.arraycopy(cache.query(random), 0, q, g * headDim, headDim);
                int head = count % KV_HEADS;
                Attention.attendGroup(q, 0, heads, headDim, cache.keys, cache.values, cache.first(head), cache.stride, count,
                        scale, out, 3, scratch);
                for (int g = 0; g < heads; g++) {
                    ScalarAttention.attend(q, g * headDim, headDim, cache.keys, cache.values, cache.first(head), cache.stride,
                            count, scale, expected, 0, new float[headDim], new float[headDim], lanes);
                    assertBitwiseEqual(Arrays.copyOfRange(out, 3 + g * headDim, 3 + (g + 1) * headDim), expected,
                            "head size " + headDim + ", head " + g + ", count " + count);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 16})
    void tiledKernelMatchesTheScalarDefinitionForEveryQuery(int headDim) {
        var random = new SplittableRandom(7 * headDim);
        int queries = 24;
        try (Arena arena = Arena.ofConfined()) {
            Cache cache = new Cache(arena, headDim, random);
            var scratch = new Attention.Scratch(headDim, queries);
            float[] q = new float[queries * headDim];
            float[] out = new float[queries * headDim + 5];
            int[] offsets = new int[queries];
            int[] outOffsets = new int[queries];
            int[] counts = new int[queries];
            float[] expected = new float[headDim];
            float scale = (float) (1 / Math.sqrt(headDim));
            for (int first = 1; first <= MAX_COUNT; first += 7) {
                // a block of consecutive positions and a few arbitrary ones, sharing the keys of one KV head
                for (int j = 0; j < queries; j++) {
                    System.arraycopy(cache.query(random), 0, q, j * headDim, headDim);
                    offsets[j] = j * headDim;
                    outOffsets[j] = 5 + (queries - 1 - j) * headDim;
                    counts[j] = j < 16 ? Math.min(MAX_COUNT, first + j) : 1 + random.nextInt(MAX_COUNT);
                }
                int head = first % KV_HEADS;
                Attention.attendTiled(q, offsets, counts, queries, headDim, cache.keys, cache.values, cache.first(head),
                        cache.stride, scale, out, outOffsets, scratch);
                for (int j = 0; j < queries; j++) {
                    ScalarAttention.attendTiled(q, offsets[j], headDim, cache.keys, cache.values, cache.first(head), cache.stride,
                            counts[j], scale, expected, 0, new float[headDim], new float[Attention.TILE]);
                    assertBitwiseEqual(Arrays.copyOfRange(out, outOffsets[j], outOffsets[j] + headDim), expected,
                            "head size " + headDim + ", count " + counts[j]);
                }
            }
        }
    }

    @Test
    void vectorRoundingToF16MatchesTheScalarRoundTrip() {
        var random = new SplittableRandom(3);
        float[] values = new float[1 << 20];
        int n = 0;
        // every F16 value, the midpoints between neighbours and their float neighbours, then random bits
        for (int h = 0; h < 1 << 16; h++) {
            float a = Float.float16ToFloat((short) h);
            float b = Float.float16ToFloat((short) (h + 1));
            float mid = (a + b) / 2;
            for (float v : new float[] {a, Math.nextUp(a), Math.nextDown(a), mid, Math.nextUp(mid), Math.nextDown(mid)}) {
                if (n < values.length / 2) values[n++] = v;
            }
        }
        float[] edges = {65504f, 65519.99f, 65520f, 65536f, Float.MAX_VALUE, Float.MIN_VALUE, 0x1p-14f, 0x1p-24f,
                0x1p-25f, 0x1.8p-25f, 0x1p-26f, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f};
        for (float e : edges) {
            values[n++] = e;
            values[n++] = -e;
        }
        while (n < values.length) values[n++] = Float.intBitsToFloat(random.nextInt());
        var species = FloatVector.SPECIES_512;
        for (int o = 0; o < values.length; o += species.length()) {
            float[] rounded = Attention.roundToF16(FloatVector.fromArray(species, values, o)).toArray();
            for (int l = 0; l < species.length(); l++) {
                float value = values[o + l];
                assertThat(Float.floatToIntBits(rounded[l])).as("round(%s)", value)
                        .isEqualTo(Float.floatToIntBits(HalfFloat.roundToF16(value)));
            }
        }
    }

    private static void assertBitwiseEqual(float[] actual, float[] expected, String what) {
        for (int d = 0; d < expected.length; d++) {
            assertThat(Float.floatToIntBits(actual[d])).as("%s, dimension %d: %s vs %s", what, d, actual[d], expected[d])
                    .isEqualTo(Float.floatToIntBits(expected[d]));
        }
    }

    /** {@code MAX_COUNT} positions of F16 keys and values for two KV heads, as the KV cache lays them out. */
    private static final class Cache {
        final int headDim;
        final long stride;
        final MemorySegment keys;
        final MemorySegment values;

        Cache(Arena arena, int headDim, SplittableRandom random) {
            this.headDim = headDim;
            this.stride = (long) KV_HEADS * headDim * Short.BYTES;
            long bytes = MAX_COUNT * stride;
            keys = arena.allocate(bytes, 64);
            values = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes; i += 2) {
                // a spread of magnitudes, so that scores jump and the F16 accumulator rounds visibly
                keys.set(F16, i, HalfFloat.f32ToF16((float) (random.nextGaussian() * (random.nextInt(8) == 0 ? 4 : 1))));
                values.set(F16, i, HalfFloat.f32ToF16((float) (random.nextGaussian() * (random.nextInt(16) == 0 ? 300 : 1))));
            }
        }

        long first(int head) {
            return (long) head * headDim * Short.BYTES;
        }

        float[] query(SplittableRandom random) {
            float[] q = new float[headDim];
            float spread = random.nextInt(3) == 0 ? 3f : 1f;
            for (int d = 0; d < headDim; d++) q[d] = (float) random.nextGaussian() * spread;
            return q;
        }
    }

    /** The scalar kernels as they were before vectorisation, the definition the vector kernels must meet. */
    private static final class ScalarAttention {

        private static final ValueLayout.OfShort SHORT = F16;
        private static final int STEP = 64;
        private static final int REGISTER = 16;
        private static final int TILE = 64;

        static void attend(float[] q, int qOffset, int headDim, MemorySegment keys, MemorySegment values,
                           long first, long stride, int count, float scale, float[] out, int outOffset,
                           float[] query, float[] acc, float[] lanes) {
            for (int d = 0; d < headDim; d++) {
                query[d] = HalfFloat.roundToF16(q[qOffset + d]);
                acc[d] = 0f;
            }
            float max = Float.NEGATIVE_INFINITY;
            float sum = 0f;
            for (int t = 0; t < count; t++) {
                long offset = first + t * stride;
                float s = dotF16(keys, offset, query, headDim, lanes) * scale;
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
                sum = sum * oldScale + weight;
            }
            float inverse = sum == 0f ? 0f : 1f / sum;
            for (int d = 0; d < headDim; d++) out[outOffset + d] = acc[d] * inverse;
        }

        static void attendTiled(float[] q, int qOffset, int headDim, MemorySegment keys, MemorySegment values,
                                long first, long stride, int count, float scale, float[] out, int outOffset,
                                float[] acc, float[] scores) {
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

        private static float sum16(float[] v, int o) {
            float q0 = (v[o] + v[o + 8]) + (v[o + 4] + v[o + 12]);
            float q1 = (v[o + 1] + v[o + 9]) + (v[o + 5] + v[o + 13]);
            float q2 = (v[o + 2] + v[o + 10]) + (v[o + 6] + v[o + 14]);
            float q3 = (v[o + 3] + v[o + 11]) + (v[o + 7] + v[o + 15]);
            return (q0 + q2) + (q1 + q3);
        }

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

        private static float reduce16(float[] lanes) {
            for (int l = 0; l < 8; l++) lanes[l] += lanes[l + 8];
            for (int l = 0; l < 4; l++) lanes[l] += lanes[l + 4];
            return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
        }
    }
}
