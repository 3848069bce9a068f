package io.localgate.backend;

/** A model could not be described or loaded. The message names the cause (and the byte offset for a malformed file). */
public class ModelLoadException extends Exception {

    public enum Reason {
        /** The file is missing or unreadable. */
        IO,
        /** The file is not a well-formed GGUF file. */
        MALFORMED,
        /** The file is fine but uses an architecture, tensor type or tokenizer the backend cannot run. */
        UNSUPPORTED,
        /** The backend cannot run anything on this machine as configured (e.g. its native library is missing). */
        UNAVAILABLE
    }

    private final Reason reason;

    public ModelLoadException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ModelLoadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
