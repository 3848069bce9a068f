package io.localgate.engine.model;

/** A well-formed model file uses something this engine cannot compute yet; the message says what. */
public final class UnsupportedModelException extends RuntimeException {

    public UnsupportedModelException(String message) {
        super(message);
    }
}
