package io.localgate.gateway.schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** One conversion of a schema to GBNF: the rules made so far, by name, and the {@code $ref}s being resolved. */
final class SchemaConverter {

    /** Whitespace between JSON tokens: bounded, so that a model cannot loop on it forever. */
    private static final String SPACE_RULE = "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}";

    private record Builtin(String body, List<String> dependencies) {
    }

    private static final Map<String, Builtin> PRIMITIVES = Map.ofEntries(
            Map.entry("boolean", new Builtin("(\"true\" | \"false\")", List.of())),
            Map.entry("decimal-part", new Builtin("[0-9]{1,16}", List.of())),
            Map.entry("integral-part", new Builtin("[0] | [1-9] [0-9]{0,15}", List.of())),
            // the exponent has at most two digits (llama.cpp allows 16): a double holds every such number, and parsers agree
            Map.entry("number", new Builtin("(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? [0-9]{1,2})?",
                    List.of("integral-part", "decimal-part"))),
            Map.entry("integer", new Builtin("(\"-\"? integral-part)", List.of("integral-part"))),
            Map.entry("value", new Builtin("object | array | string | number | boolean | null",
                    List.of("object", "array", "string", "number", "boolean", "null"))),
            Map.entry("object", new Builtin("\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? space \"}\"",
                    List.of("string", "value"))),
            Map.entry("array", new Builtin("\"[\" space ( value (\",\" space value)* )? space \"]\"", List.of("value"))),
            Map.entry("uuid", new Builtin("\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12} \"\\\"\"",
                    List.of())),
            Map.entry("char", new Builtin("[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})", List.of())),
            Map.entry("string", new Builtin("\"\\\"\" char* \"\\\"\"", List.of("char"))),
            Map.entry("null", new Builtin("\"null\"", List.of())),
            Map.entry("date", new Builtin("[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )", List.of())),
            Map.entry("time", new Builtin("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )? "
                    + "( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )", List.of())),
            Map.entry("date-time", new Builtin("date \"T\" time", List.of("date", "time"))),
            Map.entry("date-string", new Builtin("\"\\\"\" date \"\\\"\"", List.of("date"))),
            Map.entry("time-string", new Builtin("\"\\\"\" time \"\\\"\"", List.of("time"))),
            Map.entry("date-time-string", new Builtin("\"\\\"\" date-time \"\\\"\"", List.of("date-time"))));

    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean", "null");

    /** Keywords that shape the grammar. */
    private static final Set<String> STRUCTURAL = Set.of("type", "properties", "required", "additionalProperties", "items",
            "prefixItems", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "$ref", "$defs", "definitions",
            "minLength", "maxLength", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    private static final List<String> BOUNDS = List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    /** Keywords that only describe, and do not constrain, the value. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment", "$anchor",
            "default", "examples", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding");

    private final JsonNode root;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> refsBeingResolved = new HashSet<>();

    SchemaConverter(JsonNode root) {
        this.root = root;
        rules.put("space", SPACE_RULE);
    }

    static String anyObject() {
        var converter = new SchemaConverter(null);
        converter.addPrimitive("root", PRIMITIVES.get("object"));
        return converter.format();
    }

    String convert() {
        visit(root, "", "");
        return format();
    }

    private String format() {
        var out = new StringBuilder();
        out.append("root ::= ").append(rules.get("root")).append('\n');
        rules.forEach((name, body) -> {
            if (!name.equals("root")) out.append(name).append(" ::= ").append(body).append('\n');
        });
        return out.toString();
    }

    /** Makes the rule(s) for a (sub)schema and returns the name to refer to it by. */
    private String visit(JsonNode schema, String name, String path) {
        String ruleName = name.isEmpty() ? "root" : PRIMITIVES.containsKey(name) || name.equals("root") ? name + "-" : name;
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) throw new UnsupportedSchemaException("false", path, "the schema false allows no value");
            return addRule(ruleName, addPrimitive("value", PRIMITIVES.get("value")));
        }
        if (!schema.isObject()) throw new UnsupportedSchemaException("type", path, "a schema must be an object or a boolean");
        checkKeywords(schema, path);
        JsonNode type = schema.get("type");
        if (type != null) checkType(type, path);

        if (schema.has("$ref")) return addRule(ruleName, resolveRef(schema.get("$ref"), path + "/$ref"));
        if (schema.has("oneOf") || schema.has("anyOf")) {
            String keyword = schema.has("oneOf") ? "oneOf" : "anyOf";
            JsonNode alternatives = schema.get(keyword);
            if (!alternatives.isArray() || alternatives.isEmpty()) {
                throw new UnsupportedSchemaException(keyword, path, keyword + " must be a non-empty array of schemas");
            }
            var names = new ArrayList<String>();
            for (int i = 0; i < alternatives.size(); i++) {
                names.add(visit(alternatives.get(i), name + (name.isEmpty() ? "alternative-" : "-") + i, path + "/" + keyword + "/" + i));
            }
            return addRule(ruleName, String.join(" | ", names));
        }
        if (type != null && type.isArray()) {
            var names = new ArrayList<String>();
            for (int i = 0; i < type.size(); i++) {
                var single = schema.deepCopy();
                ((ObjectNode) single).put("type", type.get(i).stringValue());
                names.add(visit(single, name + (name.isEmpty() ? "alternative-" : "-") + i, path));
            }
            return addRule(ruleName, String.join(" | ", names));
        }
        String typeName = type == null ? null : type.stringValue();
        if (schema.has("const")) return addRule(ruleName, literal(schema.get("const").toString()));
        if (schema.has("enum")) {
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) throw new UnsupportedSchemaException("enum", path, "enum must be a non-empty array");
            var literals = new ArrayList<String>();
            for (JsonNode value : values) literals.add(literal(value.toString()));
            return addRule(ruleName, "(" + String.join(" | ", literals) + ")");
        }
        boolean objectish = typeName == null || typeName.equals("object");
        JsonNode additional = schema.get("additionalProperties");
        if (objectish && (schema.has("properties") || (additional != null && !(additional.isBoolean() && additional.booleanValue())))) {
            return addRule(ruleName, objectRule(schema, name, path));
        }
        if ((typeName == null && (schema.has("items") || schema.has("prefixItems"))) || "array".equals(typeName)) {
            return addRule(ruleName, arrayRule(schema, name, path));
        }
        boolean stringish = typeName == null || typeName.equals("string");
        String format = schema.has("format") ? schema.get("format").stringValue() : null;
        if (stringish && schema.has("pattern")) {
            JsonNode pattern = schema.get("pattern");
            if (!pattern.isString()) throw new UnsupportedSchemaException("pattern", path, "pattern must be a string");
            return addRule(ruleName, new PatternGrammar(pattern.stringValue(), path).toGbnf());
        }
        if (stringish && format != null && format.matches("uuid[1-5]?")) {
            return addPrimitive(ruleName.equals("root") ? "root" : "uuid", PRIMITIVES.get("uuid"));
        }
        if (stringish && format != null && PRIMITIVES.containsKey(format + "-string") && !format.endsWith("-string")) {
            return addRule(ruleName, addPrimitive(format + "-string", PRIMITIVES.get(format + "-string")));
        }
        if ("string".equals(typeName) && (schema.has("minLength") || schema.has("maxLength"))) {
            int min = nonNegativeInt(schema, "minLength", 0, path);
            int max = nonNegativeInt(schema, "maxLength", Integer.MAX_VALUE, path);
            if (min > max) throw new UnsupportedSchemaException("minLength", path, "minLength is above maxLength");
            String charRule = addPrimitive("char", PRIMITIVES.get("char"));
            return addRule(ruleName, "\"\\\"\" " + repetition(charRule, min, max, null) + " \"\\\"\"");
        }
        String bound = BOUNDS.stream().filter(schema::has).findFirst().orElse(null);
        if (bound != null && "integer".equals(typeName)) return addRule(ruleName, integerRange(schema, path));
        if (bound != null && (typeName == null || typeName.equals("number"))) {
            throw new UnsupportedSchemaException(bound, path, bound + " is supported for type integer only");
        }
        // no type: any value (JSON Schema's meaning of {}); keywords of other types alone do not narrow it here
        if (typeName == null) return addRule(ruleName, addPrimitive("value", PRIMITIVES.get("value")));
        if (typeName.equals("object")) return addRule(ruleName, addPrimitive("object", PRIMITIVES.get("object")));
        return addPrimitive(ruleName.equals("root") ? "root" : typeName, PRIMITIVES.get(typeName));
    }

    /** An integer between the bounds (inclusive or exclusive); an open end stops at 16 digits. */
    private static String integerRange(JsonNode schema, String path) {
        long min = -IntegerRange.OPEN;
        long max = IntegerRange.OPEN;
        for (String keyword : BOUNDS) {
            JsonNode value = schema.get(keyword);
            if (value == null) continue;
            if (!value.isNumber()) throw new UnsupportedSchemaException(keyword, path, keyword + " must be a number");
            double bound = value.doubleValue(); // a bound past 16 digits saturates, and the range check below sees it
            switch (keyword) {
                case "minimum" -> min = Math.max(min, (long) Math.ceil(bound));
                case "exclusiveMinimum" -> min = Math.max(min, (long) Math.floor(bound) + 1);
                case "maximum" -> max = Math.min(max, (long) Math.floor(bound));
                default -> max = Math.min(max, (long) Math.ceil(bound) - 1);
            }
        }
        if (min > max) throw new UnsupportedSchemaException("minimum", path, "no integer of at most 16 digits lies between the bounds");
        return IntegerRange.of(min, max);
    }

    private void checkKeywords(JsonNode schema, String path) {
        for (String keyword : schema.propertyNames()) {
            if (!STRUCTURAL.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                throw new UnsupportedSchemaException(keyword, path, "the JSON Schema keyword '" + keyword + "' is not supported in structured output");
            }
        }
        if (schema.has("format") && !schema.get("format").isString()) {
            throw new UnsupportedSchemaException("format", path, "format must be a string");
        }
    }

    private static void checkType(JsonNode type, String path) {
        if (type.isString()) {
            if (!TYPES.contains(type.stringValue())) throw new UnsupportedSchemaException("type", path, "unknown type '" + type.stringValue() + "'");
            return;
        }
        if (!type.isArray() || type.isEmpty()) throw new UnsupportedSchemaException("type", path, "type must be a string or a non-empty array of strings");
        for (JsonNode t : type) {
            if (!t.isString() || !TYPES.contains(t.stringValue())) throw new UnsupportedSchemaException("type", path, "unknown type " + t);
        }
    }

    private String resolveRef(JsonNode ref, String path) {
        if (!ref.isString() || !ref.stringValue().startsWith("#")) {
            throw new UnsupportedSchemaException("$ref", path, "only local references (#/$defs/..., #/definitions/...) are supported");
        }
        String pointer = ref.stringValue().substring(1);
        JsonNode target;
        try {
            target = root.at(pointer);
        } catch (RuntimeException e) {
            throw new UnsupportedSchemaException("$ref", path, "malformed reference " + ref.stringValue());
        }
        if (target == null || target.isMissingNode()) {
            throw new UnsupportedSchemaException("$ref", path, "reference " + ref.stringValue() + " points at nothing");
        }
        String refName = "ref" + pointer.replaceAll("[^a-zA-Z0-9-]+", "-");
        if (!rules.containsKey(refName) && refsBeingResolved.add(pointer)) {
            refName = visit(target, refName, pointer);
            refsBeingResolved.remove(pointer);
        }
        return refName;
    }

    private String objectRule(JsonNode schema, String name, String path) {
        JsonNode properties = schema.has("properties") ? schema.get("properties") : null;
        if (properties != null && !properties.isObject()) throw new UnsupportedSchemaException("properties", path, "properties must be an object");
        var required = new LinkedHashSet<String>();
        if (schema.has("required")) {
            JsonNode list = schema.get("required");
            if (!list.isArray()) throw new UnsupportedSchemaException("required", path, "required must be an array of strings");
            for (JsonNode item : list) {
                if (!item.isString()) throw new UnsupportedSchemaException("required", path, "required must be an array of strings");
                if (properties == null || !properties.has(item.stringValue())) {
                    throw new UnsupportedSchemaException("required", path, "required property '" + item.stringValue() + "' is not in properties");
                }
                required.add(item.stringValue());
            }
        }
        String prefix = name + (name.isEmpty() ? "" : "-");
        var keyValueRules = new LinkedHashMap<String, String>();
        var requiredNames = new ArrayList<String>();
        var optionalNames = new ArrayList<String>();
        if (properties != null) {
            for (String property : properties.propertyNames()) {
                String valueRule = visit(properties.get(property), prefix + property, path + "/properties/" + property);
                keyValueRules.put(property, addRule(prefix + property + "-kv",
                        literal(JsonNodeFactory.instance.stringNode(property).toString()) + " space \":\" space " + valueRule));
                (required.contains(property) ? requiredNames : optionalNames).add(property);
            }
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean() && !additional.isObject()) {
            throw new UnsupportedSchemaException("additionalProperties", path, "additionalProperties must be a boolean or a schema");
        }
        // "*" cannot be a property name here: it stands for the additional ones
        String additionalKey = "*";
        boolean hasAdditional = additional != null && (additional.isObject() || additional.booleanValue());
        if (hasAdditional) {
            String valueRule = additional.isObject() ? visit(additional, prefix + "additional-value", path + "/additionalProperties")
                    : addPrimitive("value", PRIMITIVES.get("value"));
            String keyRule = keyValueRules.isEmpty() ? addPrimitive("string", PRIMITIVES.get("string"))
                    : addRule(prefix + "additional-k", notStrings(keyValueRules.keySet(), path));
            keyValueRules.put(additionalKey, addRule(prefix + "additional-kv", keyRule + " space \":\" space " + valueRule));
            optionalNames.add(additionalKey);
        }
        if (requiredNames.isEmpty() && optionalNames.isEmpty()) return "\"{\" space \"}\"";

        var rule = new StringBuilder("\"{\" space ");
        for (int i = 0; i < requiredNames.size(); i++) {
            if (i > 0) rule.append(" \",\" space ");
            rule.append(keyValueRules.get(requiredNames.get(i)));
        }
        if (!optionalNames.isEmpty()) {
            rule.append(" (");
            if (!requiredNames.isEmpty()) rule.append(" \",\" space ( ");
            for (int i = 0; i < optionalNames.size(); i++) {
                if (i > 0) rule.append(" | ");
                rule.append(optionalTail(optionalNames.subList(i, optionalNames.size()), false, keyValueRules, prefix, additionalKey));
            }
            if (!requiredNames.isEmpty()) rule.append(" )");
            rule.append(" )?");
        }
        rule.append(" space \"}\"");
        return rule.toString();
    }

    /** The optional properties from the first of {@code names} on, each present or not, in order. */
    private String optionalTail(List<String> names, boolean firstIsOptional, Map<String, String> keyValueRules, String prefix, String additionalKey) {
        String first = names.getFirst();
        String keyValue = keyValueRules.get(first);
        String commaThenKeyValue = "( \",\" space " + keyValue + " )";
        String result = firstIsOptional ? commaThenKeyValue + (first.equals(additionalKey) ? "*" : "?")
                : keyValue + (first.equals(additionalKey) ? " " + commaThenKeyValue + "*" : "");
        if (names.size() > 1) {
            result += " " + addRule(prefix + (first.equals(additionalKey) ? "additional" : first) + "-rest",
                    optionalTail(names.subList(1, names.size()), true, keyValueRules, prefix, additionalKey));
        }
        return result;
    }

    /** A JSON string that is none of the given (declared) property names. */
    private String notStrings(Set<String> names, String path) {
        var trie = new TreeMap<Integer, Object>();
        for (String name : names) {
            if (name.codePoints().anyMatch(c -> c < 0x20 || c == '"' || c == '\\' || c == 0x7F)) {
                throw new UnsupportedSchemaException("additionalProperties", path,
                        "additional properties beside a property name with quotes, backslashes or control characters");
            }
            insert(trie, name);
        }
        String charRule = addPrimitive("char", PRIMITIVES.get("char"));
        return "\"\\\"\" " + notStringsBody(trie, charRule);
    }

    private static final Integer END = -1;

    @SuppressWarnings("unchecked")
    private static void insert(TreeMap<Integer, Object> trie, String name) {
        TreeMap<Integer, Object> node = trie;
        for (int c : name.codePoints().toArray()) {
            node = (TreeMap<Integer, Object>) node.computeIfAbsent(c, k -> new TreeMap<Integer, Object>());
        }
        node.put(END, Boolean.TRUE);
    }

    /** Continuations of a key whose text so far is a prefix of some declared names. */
    @SuppressWarnings("unchecked")
    private static String notStringsBody(TreeMap<Integer, Object> node, String charRule) {
        var alternatives = new ArrayList<String>();
        if (!node.containsKey(END)) alternatives.add("\"\\\"\"");
        var rejected = new StringBuilder();
        for (var child : node.entrySet()) {
            if (child.getKey().equals(END)) continue;
            rejected.append(PatternGrammar.classChar(child.getKey()));
            alternatives.add("[" + PatternGrammar.classChar(child.getKey()) + "] " + notStringsBody((TreeMap<Integer, Object>) child.getValue(), charRule));
        }
        alternatives.add("( [^\"\\\\\\x7F\\x00-\\x1F" + rejected + "] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4}) ) " + charRule + "* \"\\\"\"");
        return "( " + String.join(" | ", alternatives) + " )";
    }

    private String arrayRule(JsonNode schema, String name, String path) {
        String prefix = name + (name.isEmpty() ? "" : "-");
        JsonNode items = schema.get("items");
        JsonNode tuple = schema.has("prefixItems") ? schema.get("prefixItems") : items != null && items.isArray() ? items : null;
        if (tuple != null) {
            if (!tuple.isArray()) throw new UnsupportedSchemaException("prefixItems", path, "prefixItems must be an array of schemas");
            if (schema.has("prefixItems") && items != null && !(items.isBoolean() && !items.booleanValue())) {
                throw new UnsupportedSchemaException("items", path, "items beside prefixItems (other than false) is not supported");
            }
            var rule = new StringBuilder("\"[\" space ");
            for (int i = 0; i < tuple.size(); i++) {
                if (i > 0) rule.append(" \",\" space ");
                rule.append(visit(tuple.get(i), prefix + "tuple-" + i, path + "/prefixItems/" + i));
            }
            return rule.append(" space \"]\"").toString();
        }
        String itemRule = items == null ? addPrimitive("value", PRIMITIVES.get("value")) : visit(items, prefix + "item", path + "/items");
        int min = nonNegativeInt(schema, "minItems", 0, path);
        int max = nonNegativeInt(schema, "maxItems", Integer.MAX_VALUE, path);
        if (min > max) throw new UnsupportedSchemaException("minItems", path, "minItems is above maxItems");
        return "\"[\" space " + repetition(itemRule, min, max, "\",\" space") + " space \"]\"";
    }

    private static int nonNegativeInt(JsonNode schema, String keyword, int otherwise, String path) {
        JsonNode value = schema.get(keyword);
        if (value == null) return otherwise;
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw new UnsupportedSchemaException(keyword, path, keyword + " must be a non-negative integer");
        }
        return value.intValue();
    }

    /** {@code item} between {@code min} and {@code max} times ({@link Integer#MAX_VALUE}: no bound), with separators. */
    static String repetition(String item, int min, int max, String separator) {
        boolean bounded = max != Integer.MAX_VALUE;
        if (max == 0) return "";
        if (min == 0 && max == 1) return item + "?";
        if (separator == null) {
            if (min == 1 && !bounded) return item + "+";
            if (min == 0 && !bounded) return item + "*";
            return item + "{" + min + "," + (bounded ? Integer.toString(max) : "") + "}";
        }
        String result = item + " " + repetition("(" + separator + " " + item + ")", min == 0 ? 0 : min - 1, bounded ? max - 1 : max, null);
        return min == 0 ? "(" + result + ")?" : result;
    }

    private String addPrimitive(String name, Builtin builtin) {
        String added = addRule(name, builtin.body());
        for (String dependency : builtin.dependencies()) {
            if (!rules.containsKey(dependency)) addPrimitive(dependency, PRIMITIVES.get(dependency));
        }
        return added;
    }

    /** Adds a rule under a free name made from {@code name} (or finds the same rule already there); returns its name. */
    private String addRule(String name, String body) {
        String escaped = name.replaceAll("[^a-zA-Z0-9-]+", "-");
        if (!rules.containsKey(escaped) || rules.get(escaped).equals(body)) {
            rules.put(escaped, body);
            return escaped;
        }
        int i = 0;
        while (rules.containsKey(escaped + i) && !rules.get(escaped + i).equals(body)) i++;
        rules.put(escaped + i, body);
        return escaped + i;
    }

    /** A GBNF string literal matching exactly {@code text}. */
    static String literal(String text) {
        var out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) out.append(String.format("\\x%02X", c));
                    else out.appendCodePoint(c);
                }
            }
        });
        return out.append('"').toString();
    }
}
