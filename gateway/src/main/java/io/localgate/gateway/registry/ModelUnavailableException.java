package io.localgate.gateway.registry;

/** The model is listed but cannot serve; the message names the cause. */
public class ModelUnavailableException extends RuntimeException {

    /** Why a model cannot serve. */
    public enum Problem {
        /** The backend cannot run something the file uses (an architecture, a tensor type, a tokenizer). */
        UNSUPPORTED,
        /** The file is not well-formed, or cannot be read. */
        BROKEN_FILE,
        /** The model's backend cannot run on this machine as configured (e.g. a native library is missing). */
        BACKEND_UNAVAILABLE,
        /** The model's YAML is invalid, or names a backend that does not exist. */
        BROKEN_CONFIG,
        /** The model cannot do what was asked (e.g. text generation from an embedding model). */
        WRONG_CAPABILITY
    }

    private final Problem problem;

    public ModelUnavailableException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public ModelUnavailableException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
