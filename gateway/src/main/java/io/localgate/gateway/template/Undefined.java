package io.localgate.gateway.template;

/**
 * The value of a missing variable, attribute or item. Like Jinja's default {@code Undefined} it is
 * falsy, renders as nothing, iterates as empty and has length 0; attribute access on it gives
 * another undefined (as in @huggingface/jinja); arithmetic on it is an error that names what was
 * missing.
 *
 * @param description what was missing, e.g. {@code 'tools' is undefined}
 */
record Undefined(String description) {

    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        return new Undefined(Values.typeName(owner) + " has no attribute " + Values.repr(name));
    }

    /** All undefined values are equal, whatever was missing. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }
}
