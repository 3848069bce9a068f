package io.localgate.gateway.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.localgate.backend.Backend;
import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * 200 random schemas (seeded, covering the keywords the converter supports) turned into grammars and
 * generated through each backend's {@link LoadedModel#submit} with a real model sampling at temperature
 * 1: every output must be strict JSON that networknt's validator finds valid against its schema. The
 * grammar, not the model, must bring each generation to its end (an end-of-generation token once the
 * JSON is complete); a generation cut by the token limit is allowed only rarely.
 */
class RandomSchemaGenerationTest {

    private static final int SCHEMAS = 200;
    private static final int MAX_TOKENS = 400;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonMapper STRICT = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final Path SHARED = Path.of(System.getProperty("localgate.shared.models", "../../shared/models"));

    @ParameterizedTest
    @ValueSource(strings = {"java", "llama-cpp"})
    void everyOutputIsValidAgainstItsSchema(String backendId) throws Exception {
        Backend backend = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .filter(b -> b.id().equals(backendId)).findFirst().orElseThrow();
        var registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        var generator = new SchemaGenerator(new SplittableRandom(20261127));
        try (LoadedModel model = backend.load(new ModelSpec("stories", SHARED.resolve("stories260K.gguf"), 2048, 1, 8, -1))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
            var schemas = new ArrayList<ObjectNode>();
            var outputs = new ArrayList<CompletableFuture<Output>>();
            for (int i = 0; i < SCHEMAS; i++) {
                ObjectNode schema = generator.schema();
                schemas.add(schema);
                String grammar = JsonSchemaGrammar.fromSchema(schema);
                var sampling = new SamplingParams(1f, 0, 1f, 0f, 1000L + i, 1f, 64, 0f, 0f, Map.of());
                var request = new GenerationRequest(prompt, sampling, MAX_TOKENS, 0, new int[0], grammar);
                var collector = new Collector(model);
                model.submit(request).subscribe(collector);
                outputs.add(collector.done);
            }
            int cut = 0;
            for (int i = 0; i < SCHEMAS; i++) {
                Output output = outputs.get(i).get(120, TimeUnit.SECONDS);
                if (output.finish() == FinishReason.LENGTH) {
                    cut++;
                    continue;
                }
                assertThat(output.finish()).as("schema %s gave %s", schemas.get(i), output.text()).isEqualTo(FinishReason.STOP);
                JsonNode value;
                try {
                    value = STRICT.readTree(output.text());
                } catch (RuntimeException e) {
                    throw new AssertionError("not JSON for schema " + schemas.get(i) + ": " + output.text(), e);
                }
                Schema validator = registry.getSchema(schemas.get(i).toString());
                assertThat(validator.validate(value)).as("schema %s, output %s", schemas.get(i), output.text()).isEmpty();
            }
            assertThat(cut).as("generations cut by max_tokens").isLessThanOrEqualTo(SCHEMAS / 50);
        }
    }

    private record Output(String text, FinishReason finish) {
    }

    /** Joins the generated tokens' text (end-of-generation tokens render as nothing) and the finish reason. */
    private static final class Collector implements Flow.Subscriber<TokenEvent> {
        final CompletableFuture<Output> done = new CompletableFuture<>();
        private final LoadedModel model;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Collector(LoadedModel model) {
            this.model = model;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(TokenEvent event) {
            switch (event) {
                case TokenEvent.Token token -> bytes.writeBytes(model.tokenizer().piece(token.id(), false));
                case TokenEvent.Finished finished -> done.complete(new Output(bytes.toString(StandardCharsets.UTF_8), finished.reason()));
                default -> { }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            done.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            done.completeExceptionally(new IllegalStateException("completed without a finish event"));
        }
    }

    /**
     * Random schemas over the supported keywords, kept small enough to finish: every string is bounded
     * (maxLength, enum, const, format or pattern), arrays have maxItems, nesting stops at depth 3, and
     * oneOf alternatives are of distinct types so that exactly one matches.
     */
    static final class SchemaGenerator {
        private final SplittableRandom random;
        private int definitions;

        SchemaGenerator(SplittableRandom random) {
            this.random = random;
        }

        ObjectNode schema() {
            definitions = 0;
            var defs = NODES.objectNode();
            ObjectNode root = random.nextInt(4) == 0 ? object(0, defs) : any(0, defs);
            if (!defs.isEmpty()) root.set(random.nextBoolean() ? "$defs" : "definitions", defs);
            if (root.has("definitions") && containsRef(root, "#/$defs/")) renameRefs(root);
            return root;
        }

        private ObjectNode any(int depth, ObjectNode defs) {
            int kinds = depth >= 3 ? 8 : 13;
            return switch (random.nextInt(kinds)) {
                case 0 -> string();
                case 1 -> integer();
                case 2 -> type("number");
                case 3 -> type("boolean");
                case 4 -> type("null");
                case 5 -> enumeration();
                case 6 -> constant();
                case 7 -> nullable();
                case 8, 9 -> object(depth, defs);
                case 10 -> array(depth, defs);
                case 11 -> union(depth, defs);
                default -> reference(depth, defs);
            };
        }

        private ObjectNode type(String type) {
            return NODES.objectNode().put("type", type);
        }

        private ObjectNode integer() {
            ObjectNode i = type("integer");
            switch (random.nextInt(4)) {
                case 0 -> i.put("minimum", random.nextInt(201) - 100).put("maximum", 100 + random.nextInt(5000));
                case 1 -> i.put("exclusiveMinimum", -random.nextInt(50));
                case 2 -> i.put("maximum", random.nextInt(1000) - 500);
                default -> { }
            }
            return i;
        }

        private ObjectNode string() {
            ObjectNode s = type("string");
            switch (random.nextInt(6)) {
                case 0 -> s.put("format", "time");
                case 1 -> s.put("format", "uuid");
                case 2 -> s.put("pattern", List.of("^[a-z]{2,5}$", "^\\d{3}-\\d{2}$", "^(yes|no|maybe)$", "^[A-Z][a-z0-9_]{0,4}\\.?$").get(random.nextInt(4)));
                default -> {
                    int max = 1 + random.nextInt(6);
                    s.put("maxLength", max);
                    if (random.nextBoolean()) s.put("minLength", random.nextInt(max + 1));
                }
            }
            if (random.nextInt(3) == 0) s.put("description", "a string");
            return s;
        }

        private ObjectNode enumeration() {
            ArrayNode values = NODES.arrayNode();
            values.add("red").add(7).add(2.5).addNull().add(true).add("with \"quotes\"");
            ArrayNode chosen = NODES.arrayNode();
            for (JsonNode v : values) {
                if (random.nextBoolean()) chosen.add(v);
            }
            if (chosen.isEmpty()) chosen.add("only");
            ObjectNode e = NODES.objectNode();
            e.set("enum", chosen);
            return e;
        }

        private ObjectNode constant() {
            ObjectNode c = NODES.objectNode();
            switch (random.nextInt(3)) {
                case 0 -> c.put("const", "fixed");
                case 1 -> c.put("const", 42);
                default -> c.set("const", NODES.objectNode().put("k", false));
            }
            return c;
        }

        private ObjectNode nullable() {
            ObjectNode n = NODES.objectNode();
            n.set("type", NODES.arrayNode().add(random.nextBoolean() ? "string" : "integer").add("null"));
            n.put("maxLength", 4);
            return n;
        }

        private ObjectNode object(int depth, ObjectNode defs) {
            ObjectNode o = type("object");
            ObjectNode properties = NODES.objectNode();
            ArrayNode required = NODES.arrayNode();
            int count = random.nextInt(4) + (depth == 0 ? 1 : 0);
            for (int i = 0; i < count; i++) {
                String name = List.of("id", "name", "tags", "value", "kind", "nested", "é", "a b")
                        .get(random.nextInt(8)) + (i == 0 ? "" : Integer.toString(i));
                properties.set(name, any(depth + 1, defs));
                if (random.nextInt(3) > 0) required.add(name);
            }
            o.set("properties", properties);
            if (!required.isEmpty()) o.set("required", required);
            if (random.nextInt(4) > 0) o.put("additionalProperties", false);
            return o;
        }

        private ObjectNode array(int depth, ObjectNode defs) {
            ObjectNode a = type("array");
            a.set("items", any(depth + 1, defs));
            int min = random.nextInt(3);
            a.put("minItems", min);
            a.put("maxItems", min + random.nextInt(3));
            return a;
        }

        private ObjectNode union(int depth, ObjectNode defs) {
            ObjectNode u = NODES.objectNode();
            ArrayNode alternatives = NODES.arrayNode();
            alternatives.add(string());
            alternatives.add(type("integer"));
            if (random.nextBoolean()) alternatives.add(object(depth + 1, defs));
            if (random.nextBoolean()) alternatives.add(type("boolean"));
            u.set(random.nextBoolean() ? "oneOf" : "anyOf", alternatives);
            return u;
        }

        private ObjectNode reference(int depth, ObjectNode defs) {
            String name = "def" + definitions++;
            defs.set(name, any(depth + 1, defs));
            return NODES.objectNode().put("$ref", "#/$defs/" + name);
        }

        private static boolean containsRef(JsonNode node, String prefix) {
            if (node.isObject() && node.has("$ref") && node.get("$ref").stringValue().startsWith(prefix)) return true;
            for (JsonNode child : node) {
                if (containsRef(child, prefix)) return true;
            }
            return false;
        }

        /** With {@code definitions} instead of {@code $defs}, the references follow. */
        private static void renameRefs(JsonNode node) {
            if (node instanceof ObjectNode object && object.has("$ref")) {
                object.put("$ref", object.get("$ref").stringValue().replace("#/$defs/", "#/definitions/"));
            }
            for (JsonNode child : node) renameRefs(child);
        }
    }
}
