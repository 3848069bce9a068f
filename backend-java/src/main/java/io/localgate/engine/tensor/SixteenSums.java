package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.F16_LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The lane sums of 16 vectors at once, for kernels that need many exact integer sums of 16 float lanes:
 * instead of summing each vector across its lanes (a chain of shuffles for each), the 16 are merged in
 * pairs, each merge halving the lanes a vector takes, into one vector of 16 sums. The lanes hold
 * integers and so do their partial sums (below 2^24 for every caller), so every order gives the same
 * exact sums.
 *
 * <p>Merging {@code (a, b)} at lane bit {@code m} leaves in lane {@code j} the sum of lanes {@code j} and
 * {@code j ^ m} of {@code a} where bit {@code m} of {@code j} is clear, of {@code b} where it is set: one
 * blend and one two-source permutation. Merged at bits 8, 4, 2 and 1, vector {@code v} ends in lane
 * {@link #LANE_OF}{@code [v]} (its four bits reversed).
 *
 * <p>The merges are loops around one merge written in Vector API calls, taking and giving arrays: past a
 * node count that a few dozen vector operations reach, C2 stops inlining calls into the method it
 * compiles, and a vector passed to a call that is not inlined is boxed.
 */
final class SixteenSums {

    static final int[] LANE_OF = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

    private static final VectorMask<Float> BIT8 = VectorMask.fromLong(F16_LANES, 0xFF00L);
    private static final VectorMask<Float> BIT4 = VectorMask.fromLong(F16_LANES, 0xF0F0L);
    private static final VectorMask<Float> BIT2 = VectorMask.fromLong(F16_LANES, 0xCCCCL);
    private static final VectorMask<Float> BIT1 = VectorMask.fromLong(F16_LANES, 0xAAAAL);
    private static final FloatVector PARTNERS8 = partners(8);
    private static final FloatVector PARTNERS4 = partners(4);
    private static final FloatVector PARTNERS2 = partners(2);
    private static final FloatVector PARTNERS1 = partners(1);

    private SixteenSums() {
    }

    /** Indexes for {@code selectFrom(a, b)}: lane {@code j ^ m} of {@code a} where bit {@code m} of {@code j} is clear, else of {@code b}. */
    private static FloatVector partners(int m) {
        float[] indexes = new float[16];
        for (int j = 0; j < 16; j++) indexes[j] = (j & m) == 0 ? j ^ m : 16 + (j ^ m);
        return FloatVector.fromArray(F16_LANES, indexes, 0);
    }

    /**
     * The lane sums of the 16 vectors in {@code vectors[at..at+255]} (vector {@code v} at {@code at + 16 v})
     * into {@code sums[0..15]}, vector {@code v}'s in lane {@link #LANE_OF}{@code [v]}; those vectors are
     * overwritten.
     */
    static void of(float[] vectors, int at, float[] sums) {
        for (int i = at; i < at + 256; i += 32) {
            FloatVector a = FloatVector.fromArray(F16_LANES, vectors, i);
            FloatVector b = FloatVector.fromArray(F16_LANES, vectors, i + 16);
            a.blend(b, BIT8).add(PARTNERS8.selectFrom(a, b)).intoArray(vectors, i);
        }
        for (int i = at; i < at + 256; i += 64) {
            FloatVector a = FloatVector.fromArray(F16_LANES, vectors, i);
            FloatVector b = FloatVector.fromArray(F16_LANES, vectors, i + 32);
            a.blend(b, BIT4).add(PARTNERS4.selectFrom(a, b)).intoArray(vectors, i);
        }
        for (int i = at; i < at + 256; i += 128) {
            FloatVector a = FloatVector.fromArray(F16_LANES, vectors, i);
            FloatVector b = FloatVector.fromArray(F16_LANES, vectors, i + 64);
            a.blend(b, BIT2).add(PARTNERS2.selectFrom(a, b)).intoArray(vectors, i);
        }
        FloatVector a = FloatVector.fromArray(F16_LANES, vectors, at);
        FloatVector b = FloatVector.fromArray(F16_LANES, vectors, at + 128);
        a.blend(b, BIT1).add(PARTNERS1.selectFrom(a, b)).intoArray(sums, 0);
    }
}
