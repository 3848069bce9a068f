package io.localgate.gateway.template;

import io.localgate.gateway.template.Node.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled Hugging Face chat template (the Jinja text in a GGUF file's
 * {@code tokenizer.chat_template}), rendered with the OpenAI-style {@code messages}, {@code tools},
 * {@code add_generation_prompt}, {@code bos_token} and so on.
 *
 * <p>Immutable and thread-safe: compile once, render concurrently. Rendering never changes the
 * caller's variables (they are copied into the template's own values first).
 *
 * <p>Output matches the reference engine the tests compare with (@huggingface/jinja 0.5.11, with
 * {@code trim_blocks} and {@code lstrip_blocks} as Hugging Face sets them); where that engine lacks
 * a Jinja feature a template uses (integer dict keys, {@code min}, {@code str.format}, looping over
 * an undefined variable, ...), this one does what Python's Jinja does.
 */
public final class ChatTemplate {

    private final String source;
    private final List<Statement> body;
    private final Clock clock;
    private final Dialect dialect;

    private ChatTemplate(String source, List<Statement> body, Clock clock, Dialect dialect) {
        this.source = source;
        this.body = body;
        this.clock = clock;
        this.dialect = dialect;
    }

    /** Parses {@code source}; a syntax error is a {@link TemplateException} naming its line and column. */
    public static ChatTemplate compile(String source) {
        Objects.requireNonNull(source, "source");
        return new ChatTemplate(source, Parser.parse(source), Clock.systemDefaultZone(), Dialect.PYTHON_JINJA);
    }

    /** This template with the clock {@code strftime_now} reads (the system clock by default). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, body, Objects.requireNonNull(clock, "clock"), dialect);
    }

    /** This template rendered as {@code dialect} ({@link Dialect#PYTHON_JINJA} by default). */
    public ChatTemplate withDialect(Dialect dialect) {
        return new ChatTemplate(source, body, clock, Objects.requireNonNull(dialect, "dialect"));
    }

    /**
     * Renders the template. Variables are plain Java values: maps (iterated in their own order),
     * lists, strings, booleans, integral and floating-point numbers, and null.
     *
     * @throws TemplateException when the template fails, including its own {@code raise_exception(...)}
     */
    public String render(Map<String, Object> variables) {
        return new Interpreter(source, clock, dialect).render(body, Objects.requireNonNull(variables, "variables"));
    }
}
