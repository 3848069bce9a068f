package io.localgate.gateway.registry;

import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.json.InvalidFieldException;
import io.localgate.gateway.json.JsonFields;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Reads a model's {@code NAME.yaml}, strictly: unknown keys and wrong types are errors naming the key and the file. */
final class ModelConfigReader {

    static final Set<String> KEYS = Set.of("backend", "file", "context_size", "threads", "parallel", "gpu_layers",
            "batch_size", "template", "defaults", "aliases");

    private final YAMLMapper yamlMapper = YAMLMapper.builder().build();

    /**
     * @param id            the model id (the YAML's file name without {@code .yaml})
     * @param yaml          the YAML file
     * @param modelsDir     what {@code file:} is relative to
     * @param sameNamedGguf {@code NAME.gguf} beside the YAML, when it exists
     * @throws InvalidModelConfigException naming the file and the fault
     */
    ModelConfig read(String id, Path yaml, Path modelsDir, Optional<Path> sameNamedGguf, String defaultBackend) {
        JsonNode root;
        try {
            root = yamlMapper.readTree(yaml.toFile());
        } catch (JacksonException e) {
            throw new InvalidModelConfigException(yaml + ": not valid YAML: " + e.getOriginalMessage());
        }
        try {
            if (root == null || root.isMissingNode() || root.isNull()) {
                root = yamlMapper.createObjectNode();
            }
            JsonFields fields = JsonFields.of(root, "");
            fields.rejectUnknown(KEYS);
            JsonFields defaults = fields.object("defaults");
            if (defaults != null) defaults.rejectUnknown(GenerationOptions.NAMES);
            String file = fields.string("file");
            Path gguf = file != null ? modelsDir.resolve(file) : sameNamedGguf.orElseThrow(() ->
                    new InvalidModelConfigException(yaml + ": there is no " + id + ".gguf beside it, so it must name one with 'file:'."));
            String backend = fields.string("backend");
            return new ModelConfig(
                    id,
                    gguf,
                    backend != null ? backend : defaultBackend,
                    optionalInt(fields.integer("context_size", 1, Integer.MAX_VALUE)),
                    optionalInt(fields.integer("threads", 0, Integer.MAX_VALUE)),
                    intOr(fields.integer("parallel", 0, Integer.MAX_VALUE), 0),
                    intOr(fields.integer("gpu_layers", -1, Integer.MAX_VALUE), -1),
                    intOr(fields.integer("batch_size", 1, 1 << 16), 0),
                    Optional.ofNullable(fields.string("template")),
                    defaults != null ? GenerationOptions.read(defaults) : GenerationOptions.NONE,
                    aliases(fields),
                    Optional.of(yaml));
        } catch (InvalidFieldException e) {
            throw new InvalidModelConfigException(yaml + ": " + e.getMessage());
        }
    }

    private static List<String> aliases(JsonFields fields) {
        JsonNode array = fields.array("aliases");
        if (array == null) return List.of();
        List<String> aliases = new ArrayList<>();
        for (JsonNode alias : array) {
            if (!alias.isString() || alias.stringValue().isBlank()) {
                throw fields.wrongType("aliases", "an array of non-empty strings", array);
            }
            aliases.add(alias.stringValue());
        }
        return aliases;
    }

    private static OptionalInt optionalInt(Long value) {
        return value == null ? OptionalInt.empty() : OptionalInt.of(value.intValue());
    }

    private static int intOr(Long value, int fallback) {
        return value == null ? fallback : value.intValue();
    }
}
