package io.localgate.gateway.schema;

/**
 * A JSON Schema that cannot be turned into a grammar: a keyword we do not enforce, or a keyword with a
 * value that makes no sense. The HTTP side answers 400 naming {@link #keyword()}.
 */
public final class UnsupportedSchemaException extends IllegalArgumentException {

    private final String keyword;
    private final String path;

    /**
     * @param keyword the offending keyword, e.g. {@code uniqueItems}
     * @param path    where it is, as a JSON pointer from the schema's root ({@code ""} for the root)
     */
    public UnsupportedSchemaException(String keyword, String path, String message) {
        super(message + " (keyword '" + keyword + "' at " + (path.isEmpty() ? "the schema's root" : path) + ")");
        this.keyword = keyword;
        this.path = path;
    }

    public String keyword() {
        return keyword;
    }

    public String path() {
        return path;
    }
}
