package io.localgate.gateway.registry;

import io.localgate.backend.LoadedModel;
import io.localgate.gateway.prompt.ChatFormat;

/**
 * A loaded model ready for requests.
 *
 * @param config how the models directory declares it
 * @param model  the backend's loaded model
 * @param chat   how conversations become its prompts
 */
public record ServingModel(ModelConfig config, LoadedModel model, ChatFormat chat) {
}
