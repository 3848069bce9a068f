package io.localgate.gateway.json;

/** A field of a JSON or YAML object is missing, has the wrong type or an out-of-range value. */
public class InvalidFieldException extends RuntimeException {

    private final String field;
    private final String code;

    /**
     * @param field the offending field as a path from the document's root, e.g. {@code messages[1].content}
     * @param code  a short machine-readable name of the fault, e.g. {@code invalid_type}
     */
    public InvalidFieldException(String field, String code, String message) {
        super(message);
        this.field = field;
        this.code = code;
    }

    public String field() {
        return field;
    }

    public String code() {
        return code;
    }
}
