package io.localgate.gateway.registry;

/** A model's YAML cannot be used; the message names the file and what is wrong in it. */
class InvalidModelConfigException extends RuntimeException {

    InvalidModelConfigException(String message) {
        super(message);
    }
}
