package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.Simd.B16_LANES;
import static io.localgate.engine.tensor.Simd.B32_LANES;
import static io.localgate.engine.tensor.Simd.I16_LANES;
import static io.localgate.engine.tensor.Simd.LE;
import static io.localgate.engine.tensor.Simd.S16_LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Unpacking and integer dot products shared by the 4/5/6-bit block types: 32 weights at a time become a
 * {@link ByteVector} of small signed values, multiplied with 32 activation quants in exact integer lanes.
 */
final class QuantBlocks {

    private static final VectorShuffle<Byte> TWICE = VectorShuffle.fromOp(B32_LANES, i -> i % 16);
    private static final ByteVector NIBBLE_SHIFTS = ByteVector.zero(B32_LANES).blend((byte) 4, B32_LANES.indexInRange(-16, 16));
    /** Lane {@code e} takes the byte holding bit {@code e} of a little-endian 32-bit word. */
    private static final VectorShuffle<Byte> BIT_BYTES = VectorShuffle.fromOp(B32_LANES, i -> i / 8);
    private static final ByteVector BIT_MASKS = ByteVector.fromArray(B32_LANES, bitMasks(), 0);

    private QuantBlocks() {
    }

    private static byte[] bitMasks() {
        byte[] masks = new byte[32];
        for (int i = 0; i < 32; i++) masks[i] = (byte) (1 << (i % 8));
        return masks;
    }

    /** The 32 nibbles of a 16-byte block in element order (byte {@code j}: low nibble element j, high nibble j + 16), 0..15. */
    static ByteVector nibbles(MemorySegment data, long offset) {
        ByteVector packed = ByteVector.fromMemorySegment(B16_LANES, data, offset, LE)
                .reinterpretShape(B32_LANES, 0).reinterpretAsBytes().rearrange(TWICE);
        return packed.lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and((byte) 0x0F);
    }

    /** Lane {@code e} set where bit {@code e} of the little-endian word at {@code offset} is: the fifth bits of Q5_0/Q5_1. */
    static VectorMask<Byte> highBits(MemorySegment data, long offset) {
        int bits = data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE), offset);
        ByteVector bytes = IntVector.broadcast(Simd.I8_LANES, bits).reinterpretAsBytes().rearrange(BIT_BYTES);
        return bytes.and(BIT_MASKS).compare(VectorOperators.NE, (byte) 0);
    }

    /** 32 bytes as they are. */
    static ByteVector bytes(MemorySegment data, long offset) {
        return ByteVector.fromMemorySegment(B32_LANES, data, offset, LE);
    }

    /** Low nibbles of 32 bytes. */
    static ByteVector low(ByteVector packed) {
        return packed.and((byte) 0x0F);
    }

    /** High nibbles of 32 bytes. */
    static ByteVector high(ByteVector packed) {
        return packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
    }

    /**
     * Adds {@code scale * (w · x)} for 32 weights of one scale to 16 int lanes. The pairwise sums stay
     * within 16 bits for weights of at most 6 bits against 8-bit activations.
     */
    static IntVector dotScaled(ByteVector w, ByteVector x, int scale, IntVector acc) {
        ShortVector products = shorts(w, 0).mul(shorts(x, 0)).add(shorts(w, 1).mul(shorts(x, 1)));
        return acc.add(ints(products).mul(scale));
    }

    /** Adds {@code scaleA * (w · x)} over lanes 0..15 and {@code scaleB * (w · x)} over lanes 16..31 to 16 int lanes. */
    static IntVector dotHalves(ByteVector w, ByteVector x, int scaleA, int scaleB, IntVector acc) {
        IntVector first = ints(shorts(w, 0).mul(shorts(x, 0)));
        IntVector second = ints(shorts(w, 1).mul(shorts(x, 1)));
        return acc.add(first.mul(scaleA)).add(second.mul(scaleB));
    }

    /** The 16 lanes of a K-quant superblock's integer sum so far. */
    static IntVector zero() {
        return IntVector.zero(I16_LANES);
    }

    private static ShortVector shorts(ByteVector v, int part) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S16_LANES, part);
    }

    private static IntVector ints(ShortVector v) {
        return (IntVector) v.convertShape(VectorOperators.S2I, I16_LANES, 0);
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

    /** Unsigned byte. */
    static int byteAt(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }
}
