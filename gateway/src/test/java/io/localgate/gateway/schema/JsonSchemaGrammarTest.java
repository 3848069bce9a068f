package io.localgate.gateway.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.localgate.engine.grammar.Grammar;
import io.localgate.engine.grammar.GrammarMatcher;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Schemas to grammars, checked by which JSON texts the grammar (run by the engine's matcher) accepts. */
class JsonSchemaGrammarTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Grammar grammar(String schema) {
        return Grammar.parse(JsonSchemaGrammar.fromSchema(JSON.readTree(schema)));
    }

    private static boolean accepts(Grammar grammar, String text) {
        var matcher = new GrammarMatcher(grammar, null);
        return matcher.acceptText(text) && matcher.canEnd();
    }

    @Test
    void objectsTakeRequiredPropertiesFirstAndOptionalOnesOrNot() {
        var g = grammar("""
                {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "integer"}, "c": {"type": "boolean"}},
                 "required": ["a"], "additionalProperties": false}""");
        assertThat(accepts(g, "{\"a\": 1}")).isTrue();
        assertThat(accepts(g, "{\"a\":-12,\"b\":\"x\"}")).isTrue();
        assertThat(accepts(g, "{\"a\": 0, \"b\": \"\\\"é\\u00e9\", \"c\": true}")).isTrue();
        assertThat(accepts(g, "{\"a\": 0, \"c\": false}")).isTrue();
        assertThat(accepts(g, "{\"b\": \"x\"}")).as("required missing").isFalse();
        assertThat(accepts(g, "{\"a\": 1, \"d\": 2}")).as("not declared").isFalse();
        assertThat(accepts(g, "{\"a\": 1.5}")).as("not an integer").isFalse();
        assertThat(accepts(g, "{\"a\": 01}")).as("leading zero").isFalse();
        assertThat(accepts(g, "{\"a\": 1, \"c\": true, \"b\": \"x\"}")).as("optional ones in schema order").isFalse();
    }

    @Test
    void propertiesNamedLikeRulesKeepTheirOwnRules() {
        var g = grammar("""
                {"type": "object", "properties": {"root": {"type": "integer"}, "space": {"type": "boolean"}, "string": {"type": "null"}},
                 "required": ["root", "space", "string"]}""");
        assertThat(accepts(g, "{\"root\": 1, \"space\": true, \"string\": null}")).isTrue();
        assertThat(accepts(g, "1")).isFalse();
    }

    @Test
    void whitespaceIsBoundedAndNeverTrails() {
        var g = grammar("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"null\"}}}");
        assertThat(accepts(g, "{\n  \"a\" :\n\tnull\n}")).isTrue();
        assertThat(accepts(g, "{" + " ".repeat(3) + "}")).isFalse();
        assertThat(accepts(g, "{\n" + " ".repeat(21) + "}")).as("two spaces: a newline and 20, then one").isTrue();
        assertThat(accepts(g, "{\n" + " ".repeat(22) + "}")).isFalse();
        assertThat(accepts(g, "{} ")).isFalse();
    }

    @Test
    void arraysWithItemCounts() {
        var g = grammar("{\"type\": \"array\", \"items\": {\"type\": \"number\"}, \"minItems\": 1, \"maxItems\": 3}");
        assertThat(accepts(g, "[]")).isFalse();
        assertThat(accepts(g, "[1]")).isTrue();
        assertThat(accepts(g, "[1, -2.5e10, 3.25]")).isTrue();
        assertThat(accepts(g, "[1, 2, 3, 4]")).isFalse();
        var tuple = grammar("{\"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"integer\"}], \"items\": false}");
        assertThat(accepts(tuple, "[\"a\", 2]")).isTrue();
        assertThat(accepts(tuple, "[2, \"a\"]")).isFalse();
        var any = grammar("{\"type\": \"array\", \"maxItems\": 2}");
        assertThat(accepts(any, "[{\"x\": [null]}, \"s\"]")).isTrue();
        assertThat(accepts(any, "[1, 2, 3]")).isFalse();
    }

    @Test
    void stringLengthsEnumsAndConsts() {
        var g = grammar("{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 3}");
        assertThat(accepts(g, "\"a\"")).isFalse();
        assertThat(accepts(g, "\"ab\"")).isTrue();
        assertThat(accepts(g, "\"a\\nb\"")).as("an escape is one character").isTrue();
        assertThat(accepts(g, "\"abcd\"")).isFalse();
        var e = grammar("{\"enum\": [\"red\", 42, null, {\"k\": [true]}]}");
        assertThat(accepts(e, "\"red\"")).isTrue();
        assertThat(accepts(e, "42")).isTrue();
        assertThat(accepts(e, "null")).isTrue();
        assertThat(accepts(e, "{\"k\":[true]}")).isTrue();
        assertThat(accepts(e, "\"blue\"")).isFalse();
        var c = grammar("{\"const\": \"say \\\"hi\\\"\"}");
        assertThat(accepts(c, "\"say \\\"hi\\\"\"")).isTrue();
        assertThat(accepts(c, "\"say hi\"")).isFalse();
    }

    @Test
    void unionsTypeArraysAndReferences() {
        var g = grammar("""
                {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/node"}],
                 "$defs": {"node": {"type": "object", "properties": {"name": {"type": ["string", "null"]},
                   "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["name"]}}}""");
        assertThat(accepts(g, "7")).isTrue();
        assertThat(accepts(g, "{\"name\": null}")).isTrue();
        assertThat(accepts(g, "{\"name\": \"a\", \"children\": [{\"name\": \"b\", \"children\": []}]}")).isTrue();
        assertThat(accepts(g, "{\"name\": 3}")).isFalse();
        assertThat(accepts(g, "\"x\"")).isFalse();
        var definitions = grammar("{\"oneOf\": [{\"$ref\": \"#/definitions/flag\"}, {\"type\": \"null\"}], \"definitions\": {\"flag\": {\"type\": \"boolean\"}}}");
        assertThat(accepts(definitions, "false")).isTrue();
        assertThat(accepts(definitions, "null")).isTrue();
        assertThat(accepts(definitions, "0")).isFalse();
    }

    @Test
    void formatsAndPatterns() {
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"date\"}"), "\"2024-02-29\"")).isTrue();
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"date\"}"), "\"2024-13-01\"")).isFalse();
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"date-time\"}"), "\"2024-02-29T12:30:00Z\"")).isTrue();
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"uuid\"}"), "\"123e4567-e89b-12d3-a456-426614174000\"")).isTrue();
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"uuid\"}"), "\"123e4567\"")).isFalse();
        assertThat(accepts(grammar("{\"type\": \"string\", \"format\": \"email\"}"), "\"anything\"")).as("other formats annotate only").isTrue();

        var p = grammar("{\"type\": \"string\", \"pattern\": \"^(?:[A-Z][a-z]{1,3}|\\\\d{2}-\\\\d+)\\\\.?$\"}");
        assertThat(accepts(p, "\"Abc\"")).isTrue();
        assertThat(accepts(p, "\"12-345.\"")).isTrue();
        assertThat(accepts(p, "\"abc\"")).isFalse();
        assertThat(accepts(p, "\"Abcde\"")).isFalse();
        var quotes = grammar("{\"type\": \"string\", \"pattern\": \"^[^a]\\\"$\"}");
        assertThat(accepts(quotes, "\"b\\\"\"")).as("a literal quote comes out escaped").isTrue();
        assertThat(accepts(quotes, "\"\\\"\\\"\"")).as("classes leave out what JSON must escape").isFalse();
    }

    @Test
    void additionalPropertiesWithASchemaExcludeTheDeclaredNames() {
        var g = grammar("{\"type\": \"object\", \"properties\": {\"ab\": {\"type\": \"string\"}}, \"additionalProperties\": {\"type\": \"integer\"}}");
        assertThat(accepts(g, "{\"ab\": \"x\", \"zz\": 3, \"a\": 4, \"abc\": 5}")).isTrue();
        assertThat(accepts(g, "{\"zz\": \"x\"}")).isFalse();
        assertThat(accepts(g, "{\"ab\": 3}")).as("a declared name keeps its own schema").isFalse();
        var free = grammar("{\"type\": \"object\", \"additionalProperties\": {\"type\": \"boolean\"}}");
        assertThat(accepts(free, "{\"x\": true, \"y\": false}")).isTrue();
        assertThat(accepts(free, "{\"x\": 1}")).isFalse();
    }

    @Test
    void integerBoundsAreExactForEveryValueAround() {
        long[][] ranges = {{12, 345}, {0, 0}, {-17, 4}, {-250, -3}, {7, 7}, {0, 1000}, {-1, 0}, {99, 100}, {1, 9}};
        for (long[] range : ranges) {
            var g = grammar("{\"type\": \"integer\", \"minimum\": " + range[0] + ", \"maximum\": " + range[1] + "}");
            for (long v = range[0] - 30; v <= range[1] + 30; v++) {
                assertThat(accepts(g, Long.toString(v))).as("%d in [%d, %d]", v, range[0], range[1]).isEqualTo(v >= range[0] && v <= range[1]);
            }
            assertThat(accepts(g, "-0")).isFalse();
            if (range[1] >= 0) assertThat(accepts(g, "0" + range[1])).as("leading zero").isFalse();
        }
        var exclusive = grammar("{\"type\": \"integer\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 3}");
        assertThat(accepts(exclusive, "0")).isFalse();
        assertThat(accepts(exclusive, "1")).isTrue();
        assertThat(accepts(exclusive, "2")).isTrue();
        assertThat(accepts(exclusive, "3")).isFalse();
        var open = grammar("{\"type\": \"integer\", \"minimum\": 10}");
        assertThat(accepts(open, "9")).isFalse();
        assertThat(accepts(open, "10")).isTrue();
        assertThat(accepts(open, "123456789")).isTrue();
        assertThat(accepts(open, "-5")).isFalse();
        var below = grammar("{\"type\": \"integer\", \"maximum\": -2}");
        assertThat(accepts(below, "-2")).isTrue();
        assertThat(accepts(below, "-98765")).isTrue();
        assertThat(accepts(below, "-1")).isFalse();
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"number\", \"minimum\": 0}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("minimum"));
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}")))
                .isInstanceOf(UnsupportedSchemaException.class);
    }

    @Test
    void jsonObjectModeTakesAnyObject() {
        var g = Grammar.parse(JsonSchemaGrammar.anyJsonObject());
        assertThat(accepts(g, "{\"a\": [1, {\"b\": null}, \"c\"], \"d\": -0.5}")).isTrue();
        assertThat(accepts(g, "{}")).isTrue();
        assertThat(accepts(g, "[1]")).isFalse();
        assertThat(accepts(g, "\"s\"")).isFalse();
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        for (String keyword : new String[] {"uniqueItems", "minimum", "not", "allOf", "patternProperties", "multipleOf", "if"}) {
            String schema = "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"integer\", \"" + keyword + "\": true}}}";
            assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree(schema)))
                    .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                        assertThat(e.keyword()).isEqualTo(keyword);
                        assertThat(e.path()).isEqualTo("/properties/x");
                    })
                    .hasMessageContaining(keyword);
        }
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"string\", \"pattern\": \"abc\"}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("pattern"))
                .hasMessageContaining("anchored");
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"string\", \"pattern\": \"^(?=a)b$\"}")))
                .hasMessageContaining("lookaround");
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"$ref\": \"https://example.com/s.json\"}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("$ref"));
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"strings\"}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("type"));
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 2}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("minItems"));
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(JSON.readTree("{\"properties\": {}, \"required\": [\"ghost\"]}")))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo("required"));
    }

    @Test
    void annotationsAreIgnored() {
        JsonNode schema = JSON.readTree("""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "T", "description": "d",
                 "type": "object", "properties": {"a": {"type": "string", "description": "x", "default": "q", "examples": ["e"]}},
                 "required": ["a"], "additionalProperties": false}""");
        assertThat(accepts(Grammar.parse(JsonSchemaGrammar.fromSchema(schema)), "{\"a\": \"\"}")).isTrue();
    }
}
