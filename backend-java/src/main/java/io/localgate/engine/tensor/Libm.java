package io.localgate.engine.tensor;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Single-precision {@code expf}, {@code sinf} and {@code cosf} computed exactly as GNU libm's x86-64 FMA
 * builds do (the ARM optimized-routines algorithms glibc ships): llama.cpp's CPU code calls them for
 * RoPE angles and softmax weights, and Java's own {@code Math} functions, though more accurate, round
 * differently in a few percent of cases — enough to change a later F16 rounding and so a greedy token.
 */
public final class Libm {

    private Libm() {
    }

    // expf: e^x = 2^(k/32) * 2^(r/32), a 32-entry table of 2^(i/32) and a cubic in r.
    private static final int EXP2_TABLE_BITS = 5;
    private static final int N = 1 << EXP2_TABLE_BITS;
    private static final double INV_LN2_N = 0x1.71547652b82fep+0 * N;
    private static final double SHIFT = 0x1.8p+52;
    private static final double C0 = 0x1.c6af84b912394p-5 / N / N / N;
    private static final double C1 = 0x1.ebfce50fac4f3p-3 / N / N;
    private static final double C2 = 0x1.62e42ff0c52d6p-1 / N;
    /** Bits of 2^(i/32), less {@code i << 47} so that adding {@code k << 47} gives 2^(k/32). */
    private static final long[] EXP2_TABLE = exp2Table();

    public static float expf(float x) {
        int abstop = (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
        if (abstop >= top12(88.0f)) {
            if (x == Float.NEGATIVE_INFINITY) return 0f;
            if (abstop >= top12(Float.POSITIVE_INFINITY)) return x + x;
            if (x > 0x1.62e42ep6f) return Float.POSITIVE_INFINITY;
            if (x < -0x1.9fe368p6f) return 0f;
        }
        double z = INV_LN2_N * x;
        double kd = z + SHIFT;
        long ki = Double.doubleToRawLongBits(kd);
        kd -= SHIFT;
        double r = z - kd;
        double s = Double.longBitsToDouble(EXP2_TABLE[(int) (ki & (N - 1))] + (ki << (52 - EXP2_TABLE_BITS)));
        double p = Math.fma(C0, r, C1);
        double y = Math.fma(C2, r, 1.0);
        y = Math.fma(p, r * r, y);
        return (float) (y * s);
    }

    private static long[] exp2Table() {
        var mc = new MathContext(50);
        BigDecimal root = BigDecimal.valueOf(2);
        for (int i = 0; i < EXP2_TABLE_BITS; i++) root = root.sqrt(mc);
        long[] table = new long[N];
        BigDecimal power = BigDecimal.ONE;
        for (int i = 0; i < N; i++) {
            table[i] = Double.doubleToRawLongBits(power.doubleValue()) - ((long) i << (52 - EXP2_TABLE_BITS));
            power = power.multiply(root, mc);
        }
        return table;
    }

    // sincosf: reduction to [-pi/4, pi/4] and a quadrant, then sine and cosine polynomials in double.
    private static final float PI_OVER_4 = 0x1.921FB6p-1f;
    private static final double HALF_PI = 0x1.921FB54442D18p0;
    private static final double TWO_OVER_PI_SCALED = 0x1.45F306DC9C883p+23;
    private static final double PI63 = 0x1.921FB54442D18p-62;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    /** Cosine polynomials; the second, negated, serves quadrants 2 and 3. */
    private static final double[][] COS = {
            {0x1p0, -0x1.ffffffd0c621cp-2, 0x1.55553e1068f19p-5, -0x1.6c087e89a359dp-10, 0x1.99343027bf8c3p-16},
            {-0x1p0, 0x1.ffffffd0c621cp-2, -0x1.55553e1068f19p-5, 0x1.6c087e89a359dp-10, -0x1.99343027bf8c3p-16}};
    private static final double[] SIGN = {1.0, -1.0, -1.0, 1.0};
    /** 4/pi to 192 bits, 8 new bits per entry. */
    private static final int[] INV_PIO4 = {
            0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
            0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
            0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041};

    /** Writes {@code cos(y)} to {@code out[offset]} and {@code sin(y)} to {@code out[offset + 1]} (ggml's RoPE cache order). */
    public static void sincosf(float y, float[] out, int offset) {
        int top = top12(y);
        double x = y;
        if (top < top12(PI_OVER_4)) {
            if (top < top12(0x1p-12f)) {
                out[offset] = 1f;
                out[offset + 1] = y;
                return;
            }
            polynomial(x, x * x, 0, 0, out, offset);
        } else if (top < top12(120.0f)) {
            double r = x * TWO_OVER_PI_SCALED;
            int n = ((int) r + 0x800000) >> 24;
            x = Math.fma(-(double) n, HALF_PI, x);
            polynomial(x * SIGN[n & 3], x * x, (n & 2) != 0 ? 1 : 0, n, out, offset);
        } else if (top < top12(Float.POSITIVE_INFINITY)) {
            int bits = Float.floatToRawIntBits(y);
            int sign = bits >>> 31;
            long fraction = fractionOfQuarterTurns(bits);
            int n = (int) ((fraction + (1L << 61)) >>> 62);
            x = (double) (fraction - ((long) n << 62)) * PI63;
            polynomial(x * SIGN[(n + sign) & 3], x * x, ((n + sign) & 2) != 0 ? 1 : 0, n, out, offset);
        } else {
            out[offset] = out[offset + 1] = y - y;
        }
    }

    private static void polynomial(double x, double x2, int table, int n, float[] out, int offset) {
        double[] c = COS[table];
        double x4 = x2 * x2;
        double x3 = x2 * x;
        double c2 = Math.fma(x2, c[4], c[3]);
        double s1 = Math.fma(x2, S3, S2);
        double c1 = Math.fma(x2, c[1], c[0]);
        double x5 = x3 * x2;
        double x6 = x4 * x2;
        double s = Math.fma(x3, S1, x);
        double cc = Math.fma(x4, c[2], c1);
        float sin = (float) Math.fma(x5, s1, s);
        float cos = (float) Math.fma(x6, c2, cc);
        boolean swap = (n & 1) != 0;
        out[offset] = swap ? sin : cos;
        out[offset + 1] = swap ? cos : sin;
    }

    /**
     * For a large argument: {@code |y| * 4/pi} modulo 4 as a 2.62 fixed-point number, from a 32x96-bit
     * product with the bits of 4/pi that matter for this exponent.
     */
    private static long fractionOfQuarterTurns(int bits) {
        int index = (bits >>> 26) & 15;
        int shift = (bits >>> 23) & 7;
        long xi = ((((bits & 0xffffff) | 0x800000) & 0xFFFF_FFFFL) << shift) & 0xFFFF_FFFFL;
        long low = (xi * (INV_PIO4[index] & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
        long middle = xi * (INV_PIO4[index + 4] & 0xFFFF_FFFFL);
        long high = xi * (INV_PIO4[index + 8] & 0xFFFF_FFFFL);
        return ((high >>> 32) | (low << 32)) + middle;
    }

    private static int top12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }
}
