package io.localgate.engine.gguf;

/**
 * A GGUF file is malformed, or its metadata lacks or mistypes something a reader needs. The message
 * names the byte offset where the fault was found when there is one.
 */
public final class GgufException extends RuntimeException {

    private final long offset;

    public GgufException(long offset, String message) {
        super(message + " (at byte offset " + offset + ")");
        this.offset = offset;
    }

    /** A fault in the meaning of otherwise well-formed metadata, which has no single offset. */
    public GgufException(String message) {
        super(message);
        this.offset = -1;
    }

    /** The byte offset of the fault in the file, or -1 when it is not tied to one. */
    public long offset() {
        return offset;
    }
}
