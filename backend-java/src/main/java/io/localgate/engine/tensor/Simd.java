package io.localgate.engine.tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector shapes and exact reductions shared by the kernels. The kernels reproduce the summation order
 * of llama.cpp's AVX-512 CPU build (the reference our outputs are checked against), so their shapes
 * are fixed: 16 float lanes where ggml uses {@code __m512}, 8 where it uses {@code __m256}. On a CPU
 * without AVX-512 the Vector API still computes the same values, only more slowly.
 */
final class Simd {

    static final VectorSpecies<Float> F16_LANES = FloatVector.SPECIES_512;
    static final VectorSpecies<Float> F8_LANES = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I16_LANES = IntVector.SPECIES_512;
    static final VectorSpecies<Short> S16_LANES = ShortVector.SPECIES_256;
    static final VectorSpecies<Byte> B32_LANES = ByteVector.SPECIES_256;
    static final VectorSpecies<Byte> B16_LANES = ByteVector.SPECIES_128;

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    /**
     * Regroups 32 bytes so that part {@code q} (8 lanes) holds bytes {@code 4l + q}, l = 0..7: summing the
     * four parts gives, per lane, the 4-byte dot products of x86's {@code vpdpbusd}.
     */
    static final VectorShuffle<Byte> QUARTERS = VectorShuffle.fromOp(B32_LANES, i -> (i % 8) * 4 + i / 8);

    private Simd() {
    }

    /** {@code _mm512_reduce_add_ps}: halves, then quarters, then {@code (0+2) + (1+3)}. */
    static float sum16(FloatVector v) {
        FloatVector half = v.add(v.slice(8));
        FloatVector quarter = half.add(half.slice(4));
        return (quarter.lane(0) + quarter.lane(2)) + (quarter.lane(1) + quarter.lane(3));
    }

    /** ggml's {@code hsum_float_8} (and tinyBLAS's {@code hsum(__m256)}): halves, then {@code (0+2) + (1+3)}. */
    static float sum8(FloatVector v) {
        FloatVector half = v.add(v.slice(4));
        return (half.lane(0) + half.lane(2)) + (half.lane(1) + half.lane(3));
    }

    /**
     * F16 bits to floats, exactly: the magnitude's exponent and mantissa moved into F32 position and
     * rebiased by a multiplication with 2^112 (which also makes subnormals right), infinities and NaNs
     * patched, the sign put back.
     */
    static FloatVector f16ToF32(ShortVector half) {
        IntVector bits = (IntVector) half.convertShape(VectorOperators.ZERO_EXTEND_S2I, I16_LANES, 0);
        IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector finite = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector value = finite.blend(magnitude.or(0x7F80_0000), bits.and(0x7C00).eq(0x7C00));
        return value.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /**
     * x86's {@code vdpbf16ps} on 16 lanes: each int lane of {@code a} and {@code b} packs two BF16 values
     * (even element low); the odd products are added first, then the even ones, each rounded.
     */
    static FloatVector dotBf16Pairs(FloatVector acc, IntVector a, IntVector b) {
        FloatVector oddA = a.and(0xFFFF_0000).reinterpretAsFloats();
        FloatVector oddB = b.and(0xFFFF_0000).reinterpretAsFloats();
        FloatVector evenA = a.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        FloatVector evenB = b.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        return acc.add(oddA.mul(oddB)).add(evenA.mul(evenB));
    }

    static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(F16_LANES, i -> (i + 8) % 16);

    /**
     * The 8 lanes of {@code vpdpbusd} for one block of 32 signed bytes each, given {@link #QUARTERS}
     * regrouped, in lanes 0-7 (and again in 8-15), computed in float lanes: each product and each partial
     * sum is an integer below 2^24, so exact. Converted as two parts of 16, lane {@code j < 8} of the part
     * products holds elements {@code 4j, 4j+2} and lane {@code j + 8} elements {@code 4j+1, 4j+3}.
     */
    static FloatVector dot8Lanes(ByteVector a, ByteVector b) {
        FloatVector a0 = (FloatVector) a.convertShape(VectorOperators.B2F, F16_LANES, 0);
        FloatVector a1 = (FloatVector) a.convertShape(VectorOperators.B2F, F16_LANES, 1);
        FloatVector b0 = (FloatVector) b.convertShape(VectorOperators.B2F, F16_LANES, 0);
        FloatVector b1 = (FloatVector) b.convertShape(VectorOperators.B2F, F16_LANES, 1);
        FloatVector p = a1.fma(b1, a0.mul(b0));
        return p.add(p.rearrange(SWAP_HALVES));
    }

    /*
     * Input rows in pairs (MatmulInput.q8PairQuarters, PairKernels): 16 float lanes hold the eight vpdpbusd
     * lanes of two rows at once, so that a block's four quarters multiply two rows with one mul and three
     * fma, no shuffle; the weights are decoded once per block into each quarter twice.
     */

    /**
     * Lanes 0-7 in 0-7 and 8-15: of a block's {@link #QUARTERS} regrouped bytes 0-15 as floats, quarter 0
     * twice (of bytes 16-31, quarter 2). Kernels call {@code rearrange} with it themselves: a helper of
     * ours taking a vector can be left a call by C2, and box it.
     */
    static final VectorShuffle<Float> LOW_HALF_TWICE = VectorShuffle.fromOp(F16_LANES, i -> i % 8);
    /** Lanes 8-15 in 0-7 and 8-15: quarter 1 (or 3) twice. */
    static final VectorShuffle<Float> HIGH_HALF_TWICE = VectorShuffle.fromOp(F16_LANES, i -> 8 + i % 8);

    /** Butterflies within each eight lanes: summing a vector with each in turn leaves every lane its eight's sum. */
    static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F16_LANES, i -> i ^ 4);
    static final VectorShuffle<Float> XOR2 = VectorShuffle.fromOp(F16_LANES, i -> i ^ 2);
    static final VectorShuffle<Float> XOR1 = VectorShuffle.fromOp(F16_LANES, i -> i ^ 1);

    /** {@link #sum8} of the eight floats at {@code from}. */
    static float sum8(float[] lanes, int from) {
        return ((lanes[from] + lanes[from + 4]) + (lanes[from + 2] + lanes[from + 6]))
                + ((lanes[from + 1] + lanes[from + 5]) + (lanes[from + 3] + lanes[from + 7]));
    }
}
