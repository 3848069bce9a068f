package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B16_LANES;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.S16_LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unpacking and integer dot products shared by the quantized block types: 32 weights at a time become a
 * {@link ByteVector} of small values, multiplied with 32 activation quants in exact integer lanes.
 */
final class QuantBlocks {

    /** Eight int lanes: the integer accumulators of ggml's AVX2 K-quant kernels. */
    static final VectorSpecies<Integer> I8_LANES = IntVector.SPECIES_256;

    private static final VectorShuffle<Byte> TWICE = VectorShuffle.fromOp(B32_LANES, i -> i % 16);
    private static final ByteVector NIBBLE_SHIFTS = ByteVector.zero(B32_LANES).blend((byte) 4, B32_LANES.indexInRange(-16, 16));
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final IntVector NIBBLE_POSITIONS = IntVector.fromArray(I8_LANES, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 0);
    private static final VectorMask<Integer> UPPER_HALF = I8_LANES.indexInRange(-4, 4);

    /*
     * Folding two vectors of 16 int lanes into ggml's eight lanes of four consecutive elements, for the
     * one-row K-quant kernels that sum elements 0..15 of each run of 32 lane for lane in one vector and
     * 16..31 in another: selectFrom indexes for the pair sums of the first's lanes in lanes 0-7 and the
     * second's in 8-15 (EVEN_OF_TWO + ODD_OF_TWO), then for the pairs of those, in lanes 0-7 and again 8-15
     * (EVEN_TWICE + ODD_TWICE).
     */
    static final IntVector EVEN_OF_TWO = IntVector.fromArray(Simd.I16_LANES, laneIndexes(0, 16), 0);
    static final IntVector ODD_OF_TWO = IntVector.fromArray(Simd.I16_LANES, laneIndexes(1, 16), 0);
    static final IntVector EVEN_TWICE = IntVector.fromArray(Simd.I16_LANES, laneIndexes(0, 0), 0);
    static final IntVector ODD_TWICE = IntVector.fromArray(Simd.I16_LANES, laneIndexes(1, 0), 0);

    private static int[] laneIndexes(int first, int secondHalfBase) {
        int[] indexes = new int[16];
        for (int l = 0; l < 16; l++) indexes[l] = l < 8 ? 2 * l + first : secondHalfBase + 2 * (l - 8) + first;
        return indexes;
    }

    private static final VectorShuffle<Integer> SWAP_INT_HALVES = VectorShuffle.fromOp(Simd.I16_LANES, i -> (i + 8) % 16);

    private QuantBlocks() {
    }

    /**
     * Quants as floats, each block of 32 regrouped as {@link Simd#QUARTERS} regroups bytes: position
     * {@code p} holds element {@code 4 * (p % 8) + p / 8}. Weights regrouped the same way multiply them
     * lane for lane in {@link #products}.
     */
    static void quartered(byte[] quants, int length, float[] out) {
        for (int block = 0; block < length; block += 32) {
            for (int p = 0; p < 32; p++) out[block + p] = quants[block + 4 * (p % 8) + p / 8];
        }
    }

    /**
     * 32 weights (regrouped by {@link Simd#QUARTERS}) times 32 activations from {@link #quartered} (16 in
     * {@code x0}, 16 in {@code x1}), in 16
     * float lanes: lane {@code j < 8} holds elements {@code 4j, 4j+2}, lane {@code j + 8} elements
     * {@code 4j+1, 4j+3}. The products and their sums are integers; they stay exact while each lane stays
     * below 2^24, which every caller states for its value ranges. (The helpers that take or return
     * vectors stay under 35 bytecodes, so that C1 and C2 inline them everywhere: a helper compiled alone
     * boxes its vectors, and once compiled large it is never inlined again.)
     */
    static FloatVector products(ByteVector w, FloatVector x0, FloatVector x1) {
        return floatsOfPart1(w).fma(x1, floatsOfPart0(w).mul(x0));
    }

    /** Bytes 0..15 as floats. */
    static FloatVector floatsOfPart0(ByteVector w) {
        return (FloatVector) w.convertShape(VectorOperators.B2F, F16_LANES, 0);
    }

    /** Bytes 16..31 as floats. */
    static FloatVector floatsOfPart1(ByteVector w) {
        return (FloatVector) w.convertShape(VectorOperators.B2F, F16_LANES, 1);
    }

    /** 16 activations from {@link #quartered}. */
    static FloatVector at(float[] x, int offset) {
        return FloatVector.fromArray(F16_LANES, x, offset);
    }

    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(F16_LANES, i -> (i + 8) % 16);

    /**
     * The eight lanes of x86's {@code vpdpbusd} for 32 weights ({@link Simd#QUARTERS} regrouped, |w| <= 127)
     * and 32 activations from {@link #quartered}, in lanes 0-7 and again in 8-15; exact (each lane adds
     * four products below 2^14).
     */
    static FloatVector dot8LanesTwice(ByteVector w, float[] x, int offset) {
        FloatVector p = products(w, at(x, offset), at(x, offset + 16));
        return p.add(p.rearrange(SWAP_HALVES));
    }

    /**
     * The eight integer lanes of x86's {@code vpdpbusd} (lane {@code l}: elements {@code 4l..4l+3} of each
     * block of 32) from 16 lanes summed by {@link #products}, all exact integers; lanes {@code l} and
     * {@code l + 8} of the result are the same (staying 16 wide spares a narrowing C2 does not compile).
     */
    static IntVector eightLanesTwice(FloatVector exact) {
        IntVector ints = (IntVector) exact.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        return ints.add(ints.rearrange(SWAP_INT_HALVES));
    }

    /**
     * The lanes of {@link #eightLanesTwice} as floats, for ggml's {@code acc = fma(d, float(sumi), acc)},
     * which callers keep in a float array (16 wide, the eight lanes twice) so that no vector crosses a
     * call C2 may not inline.
     */
    static FloatVector asFloats(IntVector sumi) {
        return (FloatVector) sumi.convertShape(VectorOperators.I2F, F16_LANES, 0);
    }


    /** The sum of 16 lanes summed by {@link #products}, all exact integers, in integer arithmetic. */
    static int sum(FloatVector exact) {
        return ((IntVector) exact.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0)).reduceLanes(VectorOperators.ADD);
    }

    /** The low nibble of each byte. */
    static ByteVector lowNibbles(ByteVector packed) {
        return packed.and((byte) 0x0F);
    }

    /** The high nibble of each byte (shifted as ints: x86 has no byte shift). */
    static ByteVector highNibbles(ByteVector packed) {
        return packed.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    /** The 32 nibbles of a 16-byte block in element order (byte {@code j}: low nibble element j, high nibble j + 16), 0..15. */
    static ByteVector nibbles(MemorySegment data, long offset) {
        ByteVector packed = ByteVector.fromMemorySegment(B16_LANES, data, offset, LE)
                .reinterpretShape(B32_LANES, 0).reinterpretAsBytes().rearrange(TWICE);
        return packed.lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and((byte) 0x0F);
    }

    /**
     * The fifth bits of Q5_0/Q5_1 as values: lane {@code e} is 16 where bit {@code e} of the little-endian word
     * at {@code offset} is set, else 0. Int lane {@code l} takes bits {@code 4l..4l+3} and spreads them over
     * its four bytes with one multiplication (the shifted copies do not overlap, so nothing carries).
     */
    static ByteVector highBits(MemorySegment data, long offset) {
        int bits = data.get(INT, offset);
        IntVector nibbles = IntVector.broadcast(I8_LANES, bits).lanewise(VectorOperators.LSHR, NIBBLE_POSITIONS).and(0xF);
        return nibbles.mul(0x0020_4081).and(0x0101_0101).lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
    }

    /** 32 bytes as they are. */
    static ByteVector bytes(MemorySegment data, long offset) {
        return ByteVector.fromMemorySegment(B32_LANES, data, offset, LE);
    }

    /**
     * Adds the eight lanes of x86's {@code maddubs} + {@code madd} for 32 weights (unsigned or signed, at
     * most 6 bits) against 32 activations: lane {@code l} is {@code scale * (w · x)} over elements
     * {@code 4l..4l+3}, with {@code scaleA} for elements 0..15 and {@code scaleB} for 16..31.
     */
    static IntVector dotEightLanes(ByteVector w, ByteVector x, int scaleA, int scaleB, IntVector acc) {
        IntVector scale = IntVector.broadcast(I8_LANES, scaleA).blend(scaleB, UPPER_HALF);
        return acc.add(dotInFours(w, x).mul(scale));
    }

    /**
     * Lane {@code l} of the result is {@code w · x} over elements {@code 4l..4l+3} (x86's {@code vpdpbusd}),
     * exact while {@code |w| <= 127} (two products then fit 16 bits): both are regrouped so that element
     * {@code 4l + q} sits in short lane {@code l + 8q}, the products of quarters 0+2 and 1+3 are summed in 16
     * bits, then the halves in 32.
     */
    static IntVector dotInFours(ByteVector w, ByteVector x) {
        ByteVector rw = w.rearrange(Simd.QUARTERS);
        ByteVector rx = x.rearrange(Simd.QUARTERS);
        ShortVector pairs = shorts(rw, 0).mul(shorts(rx, 0)).add(shorts(rw, 1).mul(shorts(rx, 1)));
        IntVector low = (IntVector) pairs.convertShape(VectorOperators.S2I, I8_LANES, 0);
        IntVector high = (IntVector) pairs.convertShape(VectorOperators.S2I, I8_LANES, 1);
        return low.add(high);
    }

    private static ShortVector shorts(ByteVector v, int part) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S16_LANES, part);
    }

    /**
     * The 6-bit scale ({@code mins == false}) or min ({@code mins == true}) {@code j} of a Q4_K/Q5_K
     * superblock, from its 12 scale bytes at {@code offset}: ggml's {@code get_scale_min_k4}.
     */
    static int scaleMinK4(MemorySegment data, long offset, int j, boolean mins) {
        if (j < 4) return byteAt(data, offset + j + (mins ? 4 : 0)) & 63;
        int low = byteAt(data, offset + j + 4);
        return (mins ? low >>> 4 : low & 0x0F) | ((byteAt(data, offset + j - (mins ? 0 : 4)) >>> 6) << 4);
    }

    /**
     * The eight 6-bit scales and eight mins of a Q4_K/Q5_K superblock from its 12 scale bytes at
     * {@code offset}, as ggml unpacks them: scale {@code s} is byte {@code s} of {@code words[0..1]}, min
     * {@code s} byte {@code s} of {@code words[2..3]} (little-endian).
     */
    static void scalesMinsK4(MemorySegment data, long offset, int[] words) {
        int a = data.get(INT, offset);
        int b = data.get(INT, offset + 4);
        int c = data.get(INT, offset + 8);
        words[0] = a & 0x3F3F_3F3F;
        words[1] = (c & 0x0F0F_0F0F) | (((a >>> 6) & 0x0303_0303) << 4);
        words[2] = b & 0x3F3F_3F3F;
        words[3] = ((c >>> 4) & 0x0F0F_0F0F) | (((b >>> 6) & 0x0303_0303) << 4);
    }

    private static final IntVector BYTE_SHIFTS_TWICE = IntVector.fromArray(Simd.I16_LANES,
            new int[] {0, 0, 8, 8, 16, 16, 24, 24, 0, 0, 8, 8, 16, 16, 24, 24}, 0);
    private static final VectorMask<Integer> UPPER_EIGHT = Simd.I16_LANES.indexInRange(-8, 8);

    /**
     * The eight mins of a Q4_K/Q5_K superblock (bytes of {@code low}, then of {@code high}) times the
     * activation sums of their 32 elements, that is the 16 Q8_K sums at {@code sums}, each min twice.
     */
    static int minsTimesSums(int low, int high, short[] xs, int sums) {
        IntVector mins = IntVector.broadcast(Simd.I16_LANES, low).blend(high, UPPER_EIGHT).lanewise(VectorOperators.LSHR, BYTE_SHIFTS_TWICE).and(0xFF);
        IntVector x = (IntVector) ShortVector.fromArray(S16_LANES, xs, sums).convertShape(VectorOperators.S2I, Simd.I16_LANES, 0);
        return x.mul(mins).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #minsTimesSums} for mins {@code from..to-1} in scalar arithmetic (the same integer), where a
     * caller has no room left for more vector operations (see {@link #products}).
     */
    static int minsTimesSums(int[] scalesMins, short[] xs, int sums, int from, int to) {
        int products = 0;
        for (int s = from; s < to; s++) products += byteOf(scalesMins, 2, s) * (xs[sums + 2 * s] + xs[sums + 2 * s + 1]);
        return products;
    }

    /** Byte {@code i} (of 8) of two little-endian words, unsigned. */
    static int byteOf(int[] words, int first, int i) {
        return (words[first + (i >> 2)] >>> (8 * (i & 3))) & 0xFF;
    }

    /** Unsigned byte. */
    static int byteAt(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }
}
