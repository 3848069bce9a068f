package io.localgate.backend;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token or one of the request's stop tokens. */
    STOP,
    /** {@code maxTokens} was reached, or the context is full. */
    LENGTH,
    /** The consumer cancelled it. */
    CANCELLED
}
