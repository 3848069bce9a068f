package io.localgate.gateway.template;

/**
 * A chat template failed to compile or render.
 *
 * <p>For a template's own {@code raise_exception(...)} the message is exactly the template's text, so
 * callers can show it to the client as is. Every other message names the problem and, where known,
 * the line and column in the template source.
 */
public class TemplateException extends RuntimeException {

    private final String problem;
    private final boolean raisedByTemplate;
    private final int line;
    private final int column;

    TemplateException(String problem) {
        this(problem, false, 0, 0);
    }

    private TemplateException(String problem, boolean raisedByTemplate, int line, int column) {
        super(raisedByTemplate ? problem : compose(problem, line, column));
        this.problem = problem;
        this.raisedByTemplate = raisedByTemplate;
        this.line = line;
        this.column = column;
    }

    /** The exception for {@code raise_exception(message)} called by the template itself. */
    static TemplateException raisedByTemplate(String message) {
        return new TemplateException(message, true, 0, 0);
    }

    /** A problem found at {@code offset} in {@code source}. */
    static TemplateException at(String problem, String source, int offset) {
        return new TemplateException(problem).locatedAt(source, offset);
    }

    /**
     * This exception with the location of {@code offset} added, or itself when it already has one (the
     * innermost location is the most precise). The message of {@code raise_exception} stays as the
     * template wrote it; its location is still available from {@link #line()} and {@link #column()}.
     */
    TemplateException locatedAt(String source, int offset) {
        if (line > 0) {
            return this;
        }
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < source.length(); i++) {
            if (source.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        TemplateException located = new TemplateException(problem, raisedByTemplate, line, offset - lineStart + 1);
        located.setStackTrace(getStackTrace());
        return located;
    }

    /** True when the template itself called {@code raise_exception}: the message is the template's text. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }

    /** The line (from 1) in the template source, or 0 where unknown. */
    public int line() {
        return line;
    }

    /** The column (from 1) in the template source, or 0 where unknown. */
    public int column() {
        return column;
    }

    private static String compose(String problem, int line, int column) {
        return line > 0 ? problem + " (line " + line + ", column " + column + ")" : problem;
    }
}
