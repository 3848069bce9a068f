package io.localgate.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Our ports agree bit for bit with the C library llama.cpp calls (GNU libm on Linux). */
@EnabledOnOs(OS.LINUX)
class LibmTest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle EXPF = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("expf"),
            FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT));
    private static final MethodHandle SINCOSF = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("sincosf"),
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** Every 97th float between -110 and 90, and around zero: the range softmax and SiLU use. */
    @Test
    void expfMatchesLibm() throws Throwable {
        int mismatches = 0;
        long checked = 0;
        for (int bits = 0; bits >= 0; bits += 97) {
            for (float x : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                if (!(x > -110f && x < 90f)) continue;
                checked++;
                float expected = (float) EXPF.invokeExact(x);
                if (Float.floatToRawIntBits(Libm.expf(x)) != Float.floatToRawIntBits(expected) && mismatches++ < 5) {
                    System.out.println("expf(" + Float.toHexString(x) + "): libm " + Float.toHexString(expected) + ", ours " + Float.toHexString(Libm.expf(x)));
                }
            }
        }
        assertThat(checked).isGreaterThan(1_000_000);
        assertThat(mismatches).isZero();
    }

    /** Every 97th float up to 1e6 and its negation: RoPE angles of any position. */
    @Test
    void sincosfMatchesLibm() throws Throwable {
        int mismatches = 0;
        float[] ours = new float[2];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sin = arena.allocate(ValueLayout.JAVA_FLOAT);
            MemorySegment cos = arena.allocate(ValueLayout.JAVA_FLOAT);
            for (int bits = 0; bits >= 0 && Float.intBitsToFloat(bits) < 1e6f; bits += 97) {
                for (float x : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                    SINCOSF.invokeExact(x, sin, cos);
                    Libm.sincosf(x, ours, 0);
                    boolean same = Float.floatToRawIntBits(ours[1]) == Float.floatToRawIntBits(sin.get(ValueLayout.JAVA_FLOAT, 0))
                            && Float.floatToRawIntBits(ours[0]) == Float.floatToRawIntBits(cos.get(ValueLayout.JAVA_FLOAT, 0));
                    if (!same && mismatches++ < 5) {
                        System.out.println("sincosf(" + Float.toHexString(x) + "): libm " + sin.get(ValueLayout.JAVA_FLOAT, 0) + " "
                                + cos.get(ValueLayout.JAVA_FLOAT, 0) + ", ours " + ours[1] + " " + ours[0]);
                    }
                }
            }
        }
        assertThat(mismatches).isZero();
    }
}
