package io.localgate.gateway.registry;

/** No model has this id or alias. */
public class ModelNotFoundException extends RuntimeException {

    private final String id;

    public ModelNotFoundException(String id) {
        super("The model '" + id + "' does not exist.");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
