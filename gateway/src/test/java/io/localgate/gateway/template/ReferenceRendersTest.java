package io.localgate.gateway.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.ObjectMapper;

/**
 * Every real chat template in {@code shared/models/templates}, rendered with the five reference
 * conversations and compared byte for byte with @huggingface/jinja 0.5.11's renders in {@code expected/}.
 *
 * <p>Where the reference engine failed, this engine fails too, with the template's own message for
 * {@code raise_exception}, except where the reference lacked a Jinja feature the template uses: there
 * this engine renders exactly what Python's Jinja renders (checked by the SHA-256 of that text) in its
 * default dialect, and fails with the reference's message in the reference-compatible one.
 */
class ReferenceRendersTest {

    /** The reference renders ran on this day; templates read it through {@code strftime_now}. */
    private static final Clock REFERENCE_DAY = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    /**
     * Cases the reference engine could not render for lack of a feature, with the SHA-256 of Python
     * Jinja 3.1.6's render (transformers' settings: trim_blocks, lstrip_blocks, loopcontrols, its
     * {@code tojson}; no sandbox, so {@code list.append} works). Grouped by the missing feature.
     */
    private static final Map<String, String> PYTHON_JINJA_RENDERS = Map.ofEntries(
            // `|string` of a dict (Python's str())
Map.entry("Apriel-1.6-15b-Thinker-fixed / tool-result", "1be86ca0935324805a95bfc8ae57a2d8b58c283cc3fa4becbd47a82eb2007341"),
            Map.entry("Apriel-1.6-15b-Thinker-fixed / tools", "f551c6be475bba3b96ad99a9a5f6300d74a6bcce1305f23683449d7dfa329384"),
            Map.entry("unsloth-Apriel-1.5 / tool-result", "2ef6608f023dab701036bed79ce727d146d90615b8e8f774eddde84596ab3a6d"),
            Map.entry("unsloth-Apriel-1.5 / tools", "b119ae3cfa2379906e390fb613ba1430c8fe78e1628fe29240ed526526d4460c"),
            // `|length` of an undefined variable (0)
            Map.entry("unsloth-Apriel-1.5 / multi-turn", "6318f5e633cd57440a30007e517c075f1a526fcac78c987cd97f5355c05d6b0d"),
            Map.entry("unsloth-Apriel-1.5 / no-system", "ede40c1da1c14f457752ab3d522dd5f08fb310ccaa175b29f1fdffb2060a6379"),
            Map.entry("unsloth-Apriel-1.5 / single-turn", "5fed8125620e22b33582912ff0a9702b475c4e5c5a6e641bf8a2de8b06c9fa02"),
            // integer keys in a dict literal
            Map.entry("ByteDance-Seed-OSS / multi-turn", "aeaf58c38ad847813973368f06c68b037a3226ba0e4f00060024a1de6cd7f620"),
            Map.entry("ByteDance-Seed-OSS / no-system", "2b118a60600f38429ba7de5048929abac07211bdb6dd8589f9e4e81a1d037d27"),
            Map.entry("ByteDance-Seed-OSS / single-turn", "0b28a8cfced49a9a339dcccd60be2826808b948ce196b35b1c44ad28c7afbc94"),
            Map.entry("ByteDance-Seed-OSS / tool-result", "284a382dfec89563521b979e5a5cbf0ef357d47728d1df05e062f09d6f3cfaac"),
            Map.entry("ByteDance-Seed-OSS / tools", "befeafcf2a74f67d946e7e79b99a2a95768abb401732e9e18895b65033090ffe"),
            // a for loop over an undefined variable (no iterations), `|trim` of undefined (empty)
            Map.entry("CohereForAI-c4ai-command-r-plus-tool_use / multi-turn", "e77b25543d89528b216083914f3d990ddfc1a9d488670362244b5c3c34da75d8"),
            Map.entry("CohereForAI-c4ai-command-r-plus-tool_use / no-system", "27a75e0c5912af5739ba090b4a6a207c9a1bf80c9b92010483a2efb8840ddc59"),
            Map.entry("CohereForAI-c4ai-command-r-plus-tool_use / single-turn", "ec0e65d1ebe1f6582913de2624da54a43b0c1655411453d54182dc6f18154d71"),
            Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use / multi-turn", "262912272a602dbbd5801620b35aa9b45fc7bf9aef5cc0412a8114718d85187f"),
            Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use / no-system", "d9f0eadc385cbc293837ceadc43b8e17c2296b5e9473791eb4f7d198d3681c23"),
            Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use / single-turn", "229ddc6fc018aee1037ad453ed3136c849b9c51874bfed7022e6e6eb36b9803c"),
            Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use / tool-result", "abf99f341a1d07044a33b7539499c3e1c8e736ee74a3a43ea341d72e521f4846"),
            Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use / tools", "6c1e89df6d19bf087a8bf85da7011f059f78713cc8cd0e64423ba31324d5b837"),
            Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use / multi-turn", "262912272a602dbbd5801620b35aa9b45fc7bf9aef5cc0412a8114718d85187f"),
            Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use / no-system", "d9f0eadc385cbc293837ceadc43b8e17c2296b5e9473791eb4f7d198d3681c23"),
            Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use / single-turn", "229ddc6fc018aee1037ad453ed3136c849b9c51874bfed7022e6e6eb36b9803c"),
            Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use / tool-result", "abf99f341a1d07044a33b7539499c3e1c8e736ee74a3a43ea341d72e521f4846"),
            Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use / tools", "6c1e89df6d19bf087a8bf85da7011f059f78713cc8cd0e64423ba31324d5b837"),
            // `list.append`
            Map.entry("Kimi-K2-Instruct / tool-result", "bc50c904bf5b5f1bc1d33e7cdbeab9b8c44952cbcf89dbe3ee6230dd82df60e0"),
            Map.entry("Kimi-K2-Thinking / tool-result", "6c611897b2ce9088fa97e928f4604187d22d79b479e30b48a04ca20bcb2395de"),
            // `selectattr` of none (selects nothing)
            Map.entry("meetkai-functionary-medium-v3.1 / multi-turn", "545a0f7a816cb9d27bd1d948526a06b641de0c3665f9b7a567a22d596c19a1c2"),
            Map.entry("meetkai-functionary-medium-v3.1 / no-system", "1ddc74034d57dcf16f0c8ecdf29c66d30fa7a06e4d11e6800741aa6c1159de23"),
            Map.entry("meetkai-functionary-medium-v3.1 / single-turn", "652a5a546cca149c632ca6ee281b5e6f8ee228daec187a7fa0530eea29e51ecd"),
            // unpacking a tuple in a for loop
            Map.entry("meetkai-functionary-medium-v3.2 / tools", "17ff7ce65fb2e87bfe289b2b6ddae76f64aa1ef75bf5b9e1950c96c63f7a625a"),
            // the `min` filter
            Map.entry("openbmb-MiniCPM5-1B / tool-result", "c08f6de36688a3a4d57c8b9907ec4661f609234f09d1af8638d23bb176a50653"),
            // `str.format`
            Map.entry("tencent-Hy3 / multi-turn", "163b734fb06d614321b6b2da01f07742d7c3b5b55f83421a1ff6b63b667b489e"),
            Map.entry("tencent-Hy3 / no-system", "8c5a8b3dc87ca80c8ae197702cb3fc66c8b1cbec5a52ec40fe84541e3cddd312"),
            Map.entry("tencent-Hy3 / single-turn", "4238529cf494e9c1a8f6240e0bc071ee9ac138a987dbe323191c4985d39e8135"),
            Map.entry("tencent-Hy3 / tool-result", "b57f1c4b0a58781fc85d44701f64a6e719a71bd81fda11c2b0ff93aafe82a2b3"),
            Map.entry("tencent-Hy3 / tools", "f62c0a8fa5b0e34a30897681f60d4f3622845c7274479e73236866d12eed8d19")
    );

    record Case(String template, String conversation, String source, Map<String, Object> variables,
                Object expected) {

        String id() {
            return template + " / " + conversation;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    static Stream<Case> cases() throws IOException {
        Path templates = templatesDirectory();
        ObjectMapper json = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(templates.resolve("expected"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                Map<String, Object> reference = map(json.readValue(file.toFile(), Map.class));
                String template = file.getFileName().toString().replaceFirst("\\.json$", "");
                String source = Files.readString(templates.resolve((String) reference.get("template")));
                Map<String, Object> renders = map(reference.get("renders"));
                map(reference.get("conversations")).forEach((conversation, inputs) -> {
                    Map<String, Object> variables = new LinkedHashMap<>(map(reference.get("variables")));
                    variables.remove("note");
                    variables.putAll(map(inputs));
                    cases.add(new Case(template, conversation, source, variables, renders.get(conversation)));
                });
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeTheReference(Case c) {
        ChatTemplate template = ChatTemplate.compile(c.source()).withClock(REFERENCE_DAY);
        if (c.expected() instanceof String expected) {
            assertThat(template.render(c.variables())).isEqualTo(expectedRender(c, expected));
        } else if (PYTHON_JINJA_RENDERS.containsKey(c.id())) {
            assertThat(sha256(template.render(c.variables()))).isEqualTo(PYTHON_JINJA_RENDERS.get(c.id()));
        } else if (c.id().equals("meetkai-functionary-medium-v3.2 / tool-result")) {
            // The reference failed on tuple unpacking, Python on `str + dict`; '+' writes the arguments as JSON.
            assertThat(template.render(c.variables())).contains(">>>get_weather\n{\"city\": \"Paris\"}<|eot_id|>");
        } else {
            TemplateException error = catchThrowableOfType(TemplateException.class, () -> template.render(c.variables()));
            assertThat(error).as("render should fail like the reference: %s", c.expected()).isNotNull();
            if (error.raisedByTemplate()) {
                assertThat(error.getMessage()).isEqualTo(map(c.expected()).get("error"));
            }
        }
    }

    /**
     * The reference-compatible dialect (what the gateway renders prompts with): the same renders, and a
     * failure wherever the reference failed; where it failed for lack of a feature, with its own message.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAndFailsLikeTheReferenceInItsDialect(Case c) {
        ChatTemplate template = ChatTemplate.compile(c.source()).withClock(REFERENCE_DAY).withDialect(Dialect.HUGGINGFACE_JS);
        if (c.expected() instanceof String expected) {
            assertThat(template.render(c.variables())).isEqualTo(expectedRender(c, expected));
            return;
        }
        String complaint = (String) map(c.expected()).get("error");
        TemplateException error = catchThrowableOfType(TemplateException.class, () -> template.render(c.variables()));
        assertThat(error).as("render should fail like the reference: %s", complaint).isNotNull();
        if (error.raisedByTemplate() || PYTHON_JINJA_RENDERS.containsKey(c.id())
                || c.id().equals("meetkai-functionary-medium-v3.2 / tool-result")) {
            assertThat(error.getMessage()).startsWith(complaint);
        }
    }

    /**
     * The reference render, except where it shows @huggingface/jinja's own bug: {@code '...' + dict}
     * printed JavaScript's "[object Map]"; this engine writes the dict as JSON there.
     */
    private static String expectedRender(Case c, String reference) {
        if (c.id().equals("deepseek-ai-DeepSeek-R1-Distill-Llama-8B / tool-result")) {
            return reference.replace("[object Map]", "{\"city\": \"Paris\"}");
        }
        return reference;
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    /**
     * {@code -Dlocalgate.shared.models} (the build sets it next to the repository), else the nearest
     * {@code shared/models} above the working directory (a git worktree sits deeper than the checkout).
     */
    static Path templatesDirectory() {
        String configured = System.getProperty("localgate.shared.models");
        if (configured != null && Files.isDirectory(Path.of(configured, "templates"))) {
            return Path.of(configured, "templates");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/models/templates");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/models/templates not found (set -Dlocalgate.shared.models)");
    }
}
