package io.localgate.gateway.registry;

import io.localgate.backend.Backend;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.gateway.config.LocalgateProperties;
import io.localgate.gateway.registry.ModelUnavailableException.Problem;
import io.localgate.gateway.registry.RegisteredModel.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of the models directory, found once at start-up: every {@code NAME.gguf} is a model called
 * NAME, configured by a {@code NAME.yaml} beside it if there is one; a YAML without a same-named GGUF
 * that names a {@code file:} is a model of its own. Each model's header is read at start-up so that
 * broken and unsupported files are reported at once; they stay listed, and requests for them get the
 * reason. Weights load on first use.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private static final String GGUF = ".gguf";
    private static final String YAML = ".yaml";

    private final Map<String, RegisteredModel> models;
    private final Map<String, RegisteredModel> byAlias;

    /**
     * @param loader where models load (a thread that may block for seconds; never an event loop)
     */
    public ModelRegistry(LocalgateProperties properties, Collection<Backend> backends, Executor loader) {
        this(properties, backends, loader, ModelLoadListener.NONE);
    }

    /**
     * @param loader   where models load (a thread that may block for seconds; never an event loop)
     * @param listener told of each load and failed load
     */
    public ModelRegistry(LocalgateProperties properties, Collection<Backend> backends, Executor loader, ModelLoadListener listener) {
        Path dir = properties.models().path().toAbsolutePath().normalize();
        Map<String, Backend> backendsById = backends.stream()
                .collect(Collectors.toMap(Backend::id, b -> b, (a, b) -> a, TreeMap::new));
        Map<String, RegisteredModel> found = new TreeMap<>();
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        Path configDir = properties.models().configPath() == null ? null : properties.models().configPath().toAbsolutePath().normalize();
        for (var declared : scan(dir, configDir, properties.defaults().backend())) {
            String id = declared.id();
            Availability availability = switch (declared) {
                case Declared.Invalid invalid -> {
                    log.error("Model '{}': {}", id, invalid.problem());
                    yield new Availability.Unavailable(new ModelUnavailableException(Problem.BROKEN_CONFIG,
                            "The model '" + id + "' is misconfigured: " + invalid.problem()));
                }
                case Declared.Valid valid -> {
                    aliases.put(id, valid.config().aliases());
                    yield describe(valid.config(), backendsById, properties.defaults());
                }
            };
            found.put(id, new RegisteredModel(id, lastModified(declared.origin()), availability, loader, listener));
        }
        this.models = Collections.unmodifiableMap(found);
        this.byAlias = resolveAliases(aliases, found);
        log.info("Serving {} model(s) from {}: {}", models.size(), dir, String.join(", ", models.keySet()));
    }

    /** All models, sorted by id (aliases not repeated). */
    public List<RegisteredModel> models() {
        return List.copyOf(models.values());
    }

    /** The model with this id or alias. */
    public Optional<RegisteredModel> find(String idOrAlias) {
        return Optional.ofNullable(models.get(idOrAlias)).or(() -> Optional.ofNullable(byAlias.get(idOrAlias)));
    }

    /** The model with this id or alias, or a {@link ModelNotFoundException}. */
    public RegisteredModel get(String idOrAlias) {
        return find(idOrAlias).orElseThrow(() -> new ModelNotFoundException(idOrAlias));
    }

    /** Frees the models that have been loaded. */
    @Override
    public void close() {
        for (RegisteredModel model : models.values()) {
            model.loaded().ifPresent(LoadedModel::close);
        }
    }

    /** A model as the directory declares it, before its file is looked at. */
    private sealed interface Declared {
        String id();

        Path origin();

        record Valid(ModelConfig config) implements Declared {
            public String id() {
                return config.id();
            }

            public Path origin() {
                return Files.exists(config.file()) ? config.file() : config.yaml().orElse(config.file());
            }
        }

        record Invalid(String id, Path origin, String problem) implements Declared {
        }
    }

    /** @param configDir a second folder of YAML configs that override same-named ones in {@code dir}; null: none */
    private static List<Declared> scan(Path dir, Path configDir, String defaultBackend) {
        Set<Path> files = new HashSet<>();
        if (Files.isDirectory(dir)) {
            files.addAll(list(dir, "models directory"));
        } else {
            log.warn("The models directory {} does not exist: serving no models (set LOCALGATE_MODELS_PATH)", dir);
        }
        Set<Path> configs = Set.of();
        if (configDir != null) {
            if (!Files.isDirectory(configDir)) {
                throw new IllegalStateException("The model config directory " + configDir + " does not exist (LOCALGATE_MODELS_CONFIG_PATH)");
            }
            configs = list(configDir, "model config directory").stream().filter(file -> file.getFileName().toString().endsWith(YAML))
                    .collect(Collectors.toSet());
        }
        var ids = new TreeSet<String>();
        for (Path file : Stream.concat(files.stream(), configs.stream()).toList()) {
            String name = file.getFileName().toString();
            if (name.endsWith(GGUF)) ids.add(name.substring(0, name.length() - GGUF.length()));
            if (name.endsWith(YAML)) ids.add(name.substring(0, name.length() - YAML.length()));
        }
        var reader = new ModelConfigReader();
        List<Declared> declared = new ArrayList<>();
        for (String id : ids) {
            Path gguf = dir.resolve(id + GGUF);
            Path yaml = configDir != null && configs.contains(configDir.resolve(id + YAML)) ? configDir.resolve(id + YAML) : dir.resolve(id + YAML);
            Optional<Path> sameNamedGguf = files.contains(gguf) ? Optional.of(gguf) : Optional.empty();
            if (!files.contains(yaml) && !configs.contains(yaml)) {
                declared.add(new Declared.Valid(ModelConfig.plain(id, gguf, defaultBackend)));
                continue;
            }
            try {
                declared.add(new Declared.Valid(reader.read(id, yaml, dir, sameNamedGguf, defaultBackend)));
            } catch (InvalidModelConfigException e) {
                declared.add(new Declared.Invalid(id, yaml, e.getMessage()));
            }
        }
        return declared;
    }

    private static Set<Path> list(Path dir, String what) {
        try (Stream<Path> listing = Files.list(dir)) {
            // a dangling symlink stays in: it is reported as a model that cannot be read, not skipped silently
            return listing.filter(file -> !Files.isDirectory(file)).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list the " + what + " " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Availability describe(ModelConfig config, Map<String, Backend> backends, LocalgateProperties.Defaults defaults) {
        String id = config.id();
        Backend backend = backends.get(config.backend());
        if (backend == null) {
            String problem = "the backend '" + config.backend() + "' does not exist ("
                    + (backends.isEmpty() ? "there are none" : "there are: " + String.join(", ", backends.keySet())) + ")";
            log.error("Model '{}': {}", id, problem);
            return new Availability.Unavailable(new ModelUnavailableException(Problem.BROKEN_CONFIG,
                    "The model '" + id + "' is misconfigured: " + problem + "."));
        }
        ModelInfo info;
        try {
            info = backend.describe(config.spec(config.contextSize().orElse(0), config.threads().orElse(defaults.threads())));
        } catch (ModelLoadException e) {
            var failure = unavailable(id, config.file(), e);
            // the message names the cause (and the byte offset of a malformed file); a stack trace would add nothing
            if (failure.problem() == Problem.UNSUPPORTED) log.warn("{}", failure.getMessage());
            else log.error("{}", failure.getMessage());
            return new Availability.Unavailable(failure);
        } catch (RuntimeException e) {
            log.error("Model '{}': the backend '{}' failed to read {}", id, backend.id(), config.file(), e);
            return new Availability.Unavailable(new ModelUnavailableException(Problem.BROKEN_FILE,
                    "The model '" + id + "' cannot be read: " + e, e));
        }
        if (!info.supported()) {
            String what = String.join("; ", info.unsupported());
            log.warn("Model '{}' ({}) uses what the backend '{}' does not support: {}", id, config.file().getFileName(), backend.id(), what);
            return new Availability.Unavailable(new ModelUnavailableException(Problem.UNSUPPORTED,
                    "The model '" + id + "' uses what the backend '" + backend.id() + "' does not support: " + what + "."));
        }
        int contextSize = config.contextSize().orElse(info.trainContextLength() > 0
                ? Math.min(info.trainContextLength(), defaults.contextSize())
                : defaults.contextSize());
        log.info("Model '{}': {} {} {}, context {} (trained {}), backend '{}'", id, config.file().getFileName(),
                info.architecture(), info.fileType(), contextSize, info.trainContextLength(), backend.id());
        return new Availability.Ready(config, backend, info, contextSize, config.threads().orElse(defaults.threads()));
    }

    /** The error for a model that a backend failed to describe or load. */
    static ModelUnavailableException unavailable(String id, Path file, ModelLoadException e) {
        return switch (e.reason()) {
            case UNSUPPORTED -> new ModelUnavailableException(Problem.UNSUPPORTED,
                    "The model '" + id + "' is not supported: " + e.getMessage(), e);
            case MALFORMED -> new ModelUnavailableException(Problem.BROKEN_FILE,
                    "The model '" + id + "' is a malformed file (" + file.getFileName() + "): " + e.getMessage(), e);
            case UNAVAILABLE -> new ModelUnavailableException(Problem.BACKEND_UNAVAILABLE,
                    "The model '" + id + "' cannot be served here: " + e.getMessage(), e);
            case IO -> new ModelUnavailableException(Problem.BROKEN_FILE,
                    "The model '" + id + "' cannot be read (" + file + "): " + e.getMessage(), e);
        };
    }

    private static Map<String, RegisteredModel> resolveAliases(Map<String, List<String>> aliases, Map<String, RegisteredModel> models) {
        Map<String, RegisteredModel> byAlias = new TreeMap<>();
        Map<String, String> owner = new TreeMap<>();
        for (var entry : aliases.entrySet()) {
            for (String alias : entry.getValue()) {
                if (models.containsKey(alias)) {
                    log.error("Model '{}': the alias '{}' is already a model id; ignored", entry.getKey(), alias);
                } else if (owner.containsKey(alias)) {
                    log.error("Model '{}': the alias '{}' is taken by '{}'; ignored", entry.getKey(), alias, owner.get(alias));
                } else {
                    owner.put(alias, entry.getKey());
                    byAlias.put(alias, models.get(entry.getKey()));
                }
            }
        }
        return Collections.unmodifiableMap(byAlias);
    }

    private static long lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().getEpochSecond();
        } catch (IOException e) {
            return 0;
        }
    }
}
