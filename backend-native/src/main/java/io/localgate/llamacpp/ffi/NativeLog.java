package io.localgate.llamacpp.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Receives llama.cpp's and ggml's log lines ({@code ggml_log_callback}) and passes them to the
 * {@link System.Logger} {@code io.localgate.llamacpp.native}: errors as errors, warnings as warnings,
 * the chatty info as debug. It also keeps each thread's last few error lines, because a failed
 * {@code llama_model_load_from_file} returns NULL and says why only in the log.
 */
final class NativeLog {

    private static final int GGML_LOG_LEVEL_DEBUG = 1;
    private static final int GGML_LOG_LEVEL_WARN = 3;
    private static final int GGML_LOG_LEVEL_ERROR = 4;
    private static final int GGML_LOG_LEVEL_CONT = 5;
    private static final int KEPT_ERRORS = 8;

    private final System.Logger logger = System.getLogger("io.localgate.llamacpp.native");
    /** llama.cpp writes a line in pieces (level CONT continues it); each thread assembles its own. */
    private final ThreadLocal<Line> lines = ThreadLocal.withInitial(Line::new);
    private final ThreadLocal<Deque<String>> errors = ThreadLocal.withInitial(ArrayDeque::new);

    private static final class Line {
        final StringBuilder text = new StringBuilder();
        int level = GGML_LOG_LEVEL_DEBUG;
    }

    /** The callback to hand to {@code llama_log_set}; it lives as long as {@code arena}. */
    MemorySegment callback(Arena arena) {
        try {
            var target = MethodHandles.lookup().findVirtual(NativeLog.class, "log",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class)).bindTo(this);
            return Linker.nativeLinker().upcallStub(target, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This thread's error lines since the last call, oldest first. */
    List<String> takeErrors() {
        Deque<String> recent = errors.get();
        var taken = new ArrayList<>(recent);
        recent.clear();
        return taken;
    }

    /** Called from native code on any thread: it must never throw (an exception here ends the process). */
    private void log(int level, MemorySegment text, MemorySegment userData) {
        try {
            Line line = lines.get();
            if (level != GGML_LOG_LEVEL_CONT) line.level = level;
            line.text.append(text.reinterpret(Integer.MAX_VALUE).getString(0));
            int newline;
            while ((newline = line.text.indexOf("\n")) >= 0) {
                String complete = line.text.substring(0, newline);
                line.text.delete(0, newline + 1);
                if (!complete.isBlank()) emit(line.level, complete);
            }
        } catch (Throwable ignored) {
            // losing a log line is better than losing the process
        }
    }

    private void emit(int level, String text) {
        if (level == GGML_LOG_LEVEL_ERROR) {
            Deque<String> recent = errors.get();
            if (recent.size() == KEPT_ERRORS) recent.removeFirst();
            recent.addLast(text.strip());
        }
        System.Logger.Level mapped = switch (level) {
            case GGML_LOG_LEVEL_ERROR -> System.Logger.Level.ERROR;
            case GGML_LOG_LEVEL_WARN -> System.Logger.Level.WARNING;
            case GGML_LOG_LEVEL_DEBUG -> System.Logger.Level.TRACE;
            default -> System.Logger.Level.DEBUG;
        };
        logger.log(mapped, text);
    }
}
