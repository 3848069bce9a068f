package io.localgate.engine.tensor;

import static io.localgate.engine.tensor.ActivationQuants.QK_K;
import static io.localgate.engine.tensor.Simd.F16_LANES;
import static io.localgate.engine.tensor.Simd.SHORT;

import io.localgate.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K weights: superblocks of 256 (210 bytes: 128 bytes of low nibbles, 64 bytes of high bit pairs,
 * sixteen int8 scales, F16 {@code d}); element {@code i} is {@code d * scale_(i/16) * (q - 32)}. Each half
 * of 128 elements takes 64 low-nibble bytes and 32 high bytes: four runs of 32 elements. Activations are
 * quantized to Q8_K.
 */
public record Q6_KMatrix(MemorySegment data, int rows, int cols) implements Matrix {

    static final int BLOCK_BYTES = 210;
    /** In a regrouped run, lanes 4..7 and 12..15 hold elements 16..31 (see {@link QuantBlocks#products}). */
    private static final VectorMask<Float> SECOND_SIXTEEN = VectorMask.fromLong(F16_LANES, 0xF0F0L);

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public DotType dotType() {
        return DotType.Q8_K;
    }

    /**
     * x86 llama.cpp multiplies Q6_K with {@code vec_dot_q6_K_q8_K} for every input row, batch or not (it has
     * no repacked or tinyBLAS kernel for it). A batch goes in chunks of input rows that stay in cache, each
     * superblock unpacked once per chunk into scaled floats that the chunk's rows then read: the same exact
     * integer lanes, so the same results as one row alone.
     */
    @Override
    public void multiply(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        if (input.rows() == 1) multiplyOne(input, out, rowFrom, rowTo);
        else multiplyBatch(input, out, rowFrom, rowTo);
    }

    /*
     * The two paths are apart, and the per-row sums and offsets are scalar, so that each loop C2 compiles
     * holds few enough vector operations to inline them all (past a node count that a few dozen vector
     * operations reach, it stops inlining, and a vector crossing a call is boxed).
     */

    private void multiplyOne(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] x = input.q8kAsFloats();
        float[] xd = input.q8kScales();
        int blocks = cols / QK_K;
        short[] xs = input.q8kSums();
        float[] lanes = new float[16];
        for (int r = rowFrom; r < rowTo; r++) {
            long rowOffset = (long) r * blocks * BLOCK_BYTES;
            java.util.Arrays.fill(lanes, 0f);
            for (int k = 0; k < blocks; k++) {
                long offset = rowOffset + (long) k * BLOCK_BYTES;
                addLanesInOrder(offset, x, k * QK_K, xs, 16 * k, xd[k] * weightScale(offset), lanes);
            }
            out[r] = Simd.sum8(lanes, 0);
        }
    }

    /**
     * One superblock of one row as {@link #addLanes} computes it, from activations in element order:
     * elements 0..15 of each run add up in {@code low}, 16..31 in {@code high}, lane for lane; then lanes
     * 4l..4l+3 of {@code low} are the eight-lane kernel's lane l (l < 4), of {@code high} its lane l + 4,
     * less what {@link #scaledSums} says (computed here in vector lanes). Every sum is an exact integer: a float lane adds eight products of at most
     * 63 * 128 * 128. Vector API calls alone: a helper of ours taking vectors would, past C2's inlining
     * budget, box them.
     */
    private void addLanesInOrder(long offset, float[] x, int xBase, short[] xs, int sums, float d, float[] lanes) {
        FloatVector low = FloatVector.zero(F16_LANES);
        FloatVector high = FloatVector.zero(F16_LANES);
        for (int run = 0; run < 8; run++) {
            int half = run >> 2;
            int m = run & 3;
            IntVector nibbles = IntVector.fromMemorySegment(QuantBlocks.I8_LANES, data, offset + 64L * half + 32L * (m & 1), Simd.LE);
            IntVector pairs = IntVector.fromMemorySegment(QuantBlocks.I8_LANES, data, offset + 128 + 32L * half, Simd.LE);
            ByteVector q = nibbles.lanewise(VectorOperators.LSHR, 4 * (m >> 1)).and(0x0F0F_0F0F)
                    .or(pairs.lanewise(VectorOperators.LSHR, 2 * m).and(0x0303_0303).lanewise(VectorOperators.LSHL, 4))
                    .reinterpretAsBytes();
            long scales = offset + 192 + 2L * run;
            low = ((FloatVector) q.convertShape(VectorOperators.B2F, F16_LANES, 0)).mul(FloatVector.fromArray(F16_LANES, x, xBase + 32 * run))
                    .fma(FloatVector.broadcast(F16_LANES, scale(scales)), low);
            high = ((FloatVector) q.convertShape(VectorOperators.B2F, F16_LANES, 1)).mul(FloatVector.fromArray(F16_LANES, x, xBase + 32 * run + 16))
                    .fma(FloatVector.broadcast(F16_LANES, scale(scales + 1)), high);
        }
        IntVector a = (IntVector) low.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector b = (IntVector) high.convertShape(VectorOperators.F2I, Simd.I16_LANES, 0);
        IntVector scaled = ((IntVector) ShortVector.fromArray(Simd.S16_LANES, xs, sums).convertShape(VectorOperators.S2I, Simd.I16_LANES, 0))
                .mul((IntVector) ByteVector.fromMemorySegment(Simd.B16_LANES, data, offset + 192, Simd.LE).convertShape(VectorOperators.B2I, Simd.I16_LANES, 0));
        IntVector pairSums = QuantBlocks.EVEN_OF_TWO.selectFrom(a, b).add(QuantBlocks.ODD_OF_TWO.selectFrom(a, b));
        IntVector sumi = QuantBlocks.EVEN_TWICE.selectFrom(pairSums, pairSums).add(QuantBlocks.ODD_TWICE.selectFrom(pairSums, pairSums))
                .sub(QuantBlocks.EVEN_TWICE.selectFrom(scaled, scaled).add(QuantBlocks.ODD_TWICE.selectFrom(scaled, scaled)).lanewise(VectorOperators.LSHL, 5));
        ((FloatVector) sumi.convertShape(VectorOperators.I2F, F16_LANES, 0)).fma(FloatVector.broadcast(F16_LANES, d), FloatVector.fromArray(F16_LANES, lanes, 0))
                .intoArray(lanes, 0);
    }

    private void multiplyBatch(MatmulInput input, float[] out, int rowFrom, int rowTo) {
        float[] xq = input.q8kQuartersAsFloats();
        float[] xd = input.q8kScales();
        short[] xs = input.q8kSums();
        int batch = input.rows();
        int blocks = cols / QK_K;
        int[] scaledSums = new int[16];
        float[] weights = new float[QK_K];
        float[] lanes = new float[16 * INPUT_CHUNK];
        for (int from = 0; from < batch; from += INPUT_CHUNK) {
            int to = Math.min(batch, from + INPUT_CHUNK);
            for (int r = rowFrom; r < rowTo; r++) {
                long rowOffset = (long) r * blocks * BLOCK_BYTES;
                java.util.Arrays.fill(lanes, 0f);
                for (int k = 0; k < blocks; k++) {
                    long offset = rowOffset + (long) k * BLOCK_BYTES;
                    unpack(offset, weights);
                    float d = weightScale(offset);
                    for (int b = from; b < to; b++) {
                        scaledSums(offset, xs, 16 * (b * blocks + k), scaledSums);
                        addLanes(weights, xq, (b * blocks + k) * QK_K, scaledSums, xd[b * blocks + k] * d, lanes, 16 * (b - from));
                    }
                }
                for (int b = from; b < to; b++) out[b * rows + r] = Simd.sum8(lanes, 16 * (b - from));
            }
        }
    }

    /** Input rows per chunk for batches: their activations stay in cache while the weight rows pass, each superblock unpacked once per chunk. */
    private static final int INPUT_CHUNK = 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Simd.LE);

    private float weightScale(long offset) {
        return HalfFloat.f16ToF32(data.get(SHORT, offset + 208));
    }

    /*
     * ggml's AVX2 vec_dot_q6_K_q8_K: per superblock, eight integer lanes (lane l holds elements 4l..4l+3 of
     * every run of 32, times their scale, less 32 * scale * sum for sums 2l, 2l+1), scaled into eight float
     * lanes that are summed at the end. The products of the unsigned 6-bit values times their int8 scale
     * with the quants are summed in 16 float lanes (see QuantBlocks.products), exact: a lane adds two
     * products (<= 63 * 128 * 127) per run over eight runs: at most 16,386,048 < 2^24.
     *
     * Each method here returns no vector and stays small: C2 stops inlining within a method past a node
     * count that a few dozen vector operations reach, and a vector crossing a call is boxed.
     */

    /**
     * Adds one superblock's eight lanes, from a superblock {@link #unpack}ed, less {@code scaledSums},
     * times {@code d} to lanes {@code at..at+15} of {@code lanes}.
     */
    private static void addLanes(float[] weights, float[] xq, int xBase, int[] scaledSums, float d, float[] lanes, int at) {
        FloatVector acc = FloatVector.zero(F16_LANES);
        for (int i = 0; i < QK_K; i += 32) {
            acc = QuantBlocks.at(weights, i + 16).fma(QuantBlocks.at(xq, xBase + i + 16), QuantBlocks.at(weights, i).fma(QuantBlocks.at(xq, xBase + i), acc));
        }
        IntVector sumi = QuantBlocks.eightLanesTwice(acc).sub(IntVector.fromArray(Simd.I16_LANES, scaledSums, 0));
        QuantBlocks.asFloats(sumi).fma(FloatVector.broadcast(F16_LANES, d), QuantBlocks.at(lanes, at)).intoArray(lanes, at);
    }

    /** The superblock's 256 values times their scales as floats, each run of 32 {@link Simd#QUARTERS} regrouped. */
    private void unpack(long offset, float[] weights) {
        for (int run = 0; run < 8; run++) {
            long scales = offset + 192 + 2L * run;
            ByteVector q = values(offset, run);
            QuantBlocks.floatsOfPart0(q).mul(FloatVector.broadcast(F16_LANES, scale(scales)).blend(scale(scales + 1), SECOND_SIXTEEN)).intoArray(weights, 32 * run);
            QuantBlocks.floatsOfPart1(q).mul(FloatVector.broadcast(F16_LANES, scale(scales)).blend(scale(scales + 1), SECOND_SIXTEEN)).intoArray(weights, 32 * run + 16);
        }
    }

    /**
     * Run {@code run}'s 32 six-bit values, {@link Simd#QUARTERS} regrouped. Run {@code m} of half {@code h}
     * takes the low nibbles of bytes {@code 64h + 32(m % 2)..+31} (high nibbles for {@code m >= 2}) and bits
     * {@code 2m, 2m+1} of high bytes {@code 32h..32h+31}; shifted as ints (x86 has no byte shift), and
     * masked after each shift so that nothing from a neighbouring byte stays.
     */
    private ByteVector values(long offset, int run) {
        int half = run >> 2;
        int m = run & 3;
        IntVector low = QuantBlocks.bytes(data, offset + 64L * half + 32L * (m & 1)).reinterpretAsInts();
        IntVector high = QuantBlocks.bytes(data, offset + 128 + 32L * half).reinterpretAsInts();
        return low.lanewise(VectorOperators.LSHR, 4 * (m >> 1)).and(0x0F0F_0F0F)
                .or(high.lanewise(VectorOperators.LSHR, 2 * m).and(0x0303_0303).lanewise(VectorOperators.LSHL, 4))
                .reinterpretAsBytes().rearrange(Simd.QUARTERS);
    }

    /**
     * {@code 32 * (sums[2l] * scale[2l] + sums[2l+1] * scale[2l+1])} in {@code into[l]} and {@code into[l + 8]}:
     * what ggml subtracts from lane {@code l} for the stored offset of 32.
     */
    private void scaledSums(long offset, short[] xs, int sums, int[] into) {
        long low = data.get(LONG, offset + 192);
        long high = data.get(LONG, offset + 200);
        for (int l = 0; l < 8; l++) {
            long scales = l < 4 ? low : high;
            int shift = 16 * (l & 3);
            int sum = xs[sums + 2 * l] * (byte) (scales >> shift) + xs[sums + 2 * l + 1] * (byte) (scales >> (shift + 8));
            into[l] = sum << 5;
            into[l + 8] = sum << 5;
        }
    }

    private int scale(long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        int blocks = cols / QK_K;
        long rowOffset = (long) row * blocks * BLOCK_BYTES;
        for (int k = 0; k < blocks; k++) {
            long block = rowOffset + (long) k * BLOCK_BYTES;
            float d = HalfFloat.f16ToF32(data.get(SHORT, block + 208));
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + 128 + 32L * half;
                long sc = block + 192 + 8L * half;
                int y = offset + k * QK_K + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = QuantBlocks.byteAt(data, qh + l);
                    int q1 = ((QuantBlocks.byteAt(data, ql + l) & 0x0F) | ((h & 3) << 4)) - 32;
                    int q2 = ((QuantBlocks.byteAt(data, ql + l + 32) & 0x0F) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((QuantBlocks.byteAt(data, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((QuantBlocks.byteAt(data, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    out[y + l] = d * scale(sc + is) * q1;
                    out[y + l + 32] = d * scale(sc + is + 2) * q2;
                    out[y + l + 64] = d * scale(sc + is + 4) * q3;
                    out[y + l + 96] = d * scale(sc + is + 6) * q4;
                }
            }
        }
    }
}
