package io.localgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** What a result was measured on: the CPU, the cores the JVM sees, the load average, the time. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return String.format("%s; %s; %d processors available to the JVM; Java %s; load average %s",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), cpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), loadAverage());
    }

    /** The 1, 5 and 15 minute load averages (Linux), or "unknown". */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
