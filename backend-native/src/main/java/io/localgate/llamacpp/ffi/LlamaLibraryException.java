package io.localgate.llamacpp.ffi;

/**
 * The llama.cpp libraries cannot be used: not found, not loadable, or of another release. The message
 * names what was looked for and where.
 */
public final class LlamaLibraryException extends RuntimeException {

    public LlamaLibraryException(String message) {
        super(message);
    }

    public LlamaLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
