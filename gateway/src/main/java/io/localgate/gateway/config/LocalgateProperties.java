package io.localgate.gateway.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The gateway's settings. Each is also an environment variable: Spring maps {@code LOCALGATE_MODELS_PATH}
 * to {@code localgate.models.path}, {@code LOCALGATE_DEFAULT_BACKEND} to {@code localgate.default.backend}
 * and so on (underscores become dots), which is why the names nest instead of using dashes.
 *
 * @param models   where the models are
 * @param defaults what a model's YAML does not set
 */
@ConfigurationProperties("localgate")
public record LocalgateProperties(@DefaultValue Models models, @Name("default") @DefaultValue Defaults defaults) {

    /**
     * @param path       the models directory: every {@code *.gguf} in it is a model, {@code NAME.yaml} beside it configures it
     * @param configPath optional second folder of {@code NAME.yaml} model configs, read as if they were in {@code path}
     *                   (their {@code file} is relative to {@code path}) and taking precedence over a same-named YAML
     *                   there: model configs from a Kubernetes ConfigMap beside weights on a read-only volume
     *                   ({@code LOCALGATE_MODELS_CONFIG_PATH})
     */
    public record Models(@DefaultValue("./models") Path path, Path configPath) {

        @ConstructorBinding
        public Models {
        }

        public Models(Path path) {
            this(path, null);
        }
    }

    /**
     * @param backend     the backend of a model whose YAML names none
     * @param contextSize the context size (tokens per sequence) of a model whose YAML sets none, lowered to
     *                    the model's training context when that is smaller. A cap, because models trained on
     *                    128k tokens would otherwise allocate a KV cache for all of them
     * @param threads     compute threads of a model whose YAML sets none; 0: the backend decides (all cores)
     */
    public record Defaults(
            @DefaultValue("java") String backend,
            @DefaultValue("4096") int contextSize,
            @DefaultValue("0") int threads) {
    }
}
