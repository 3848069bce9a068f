package io.localgate.gateway.prompt;

/** A chat prompt could not be made; the message carries the template's own complaint. */
public class PromptException extends RuntimeException {

    private final boolean templateBroken;

    PromptException(boolean templateBroken, String message, Throwable cause) {
        super(message, cause);
        this.templateBroken = templateBroken;
    }

    /**
     * Whether the template itself is at fault (it does not compile: the model's, or the YAML's, problem)
     * rather than the messages (the template refused them, e.g. roles that do not alternate).
     */
    public boolean templateBroken() {
        return templateBroken;
    }
}
