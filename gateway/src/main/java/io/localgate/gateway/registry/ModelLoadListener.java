package io.localgate.gateway.registry;

import io.localgate.backend.LoadedModel;
import java.time.Duration;

/** Told when a model has loaded or failed to (for metrics). Called on the loader's thread. */
public interface ModelLoadListener {

    ModelLoadListener NONE = new ModelLoadListener() {
        @Override
        public void loaded(String modelId, String backendId, LoadedModel model, Duration took) {
        }

        @Override
        public void failed(String modelId, String backendId, Duration took) {
        }
    };

    void loaded(String modelId, String backendId, LoadedModel model, Duration took);

    void failed(String modelId, String backendId, Duration took);
}
