package io.localgate.gateway.tools;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * How a model family writes tool calls in its output, recognised from its chat template's text (as
 * llama.cpp's {@code common/chat.cpp} does). Each format knows the text that starts a call and how to
 * read the calls that follow it.
 */
public enum ToolCallFormat {

    /** Hermes 2 Pro / Qwen 2.5, 3 and most ChatML models: {@code <tool_call>{"name", "arguments"}</tool_call>}. */
    HERMES("<tool_call>") {
        @Override
        Section parse(String text, boolean end) {
            return wrappedObject(text, trigger().length(), "</tool_call>", end);
        }
    },
    /** Llama 3.1 to 3.3: a JSON object {@code {"name", "parameters"}} as the whole reply, maybe after {@code <|python_tag|>}. */
    LLAMA3_JSON("<|python_tag|>") {
        @Override
        Section parse(String text, boolean end) {
            int start = text.startsWith(trigger()) ? trigger().length() : 0;
            return wrappedObject(text, start, null, end);
        }

        @Override
        boolean leadingJson() {
            return true;
        }
    },
    /** Mistral Nemo and earlier: {@code [TOOL_CALLS][{"name", "arguments", "id"}, ...]}. */
    MISTRAL("[TOOL_CALLS]") {
        @Override
        Section parse(String text, boolean end) {
            return callArray(text, trigger().length(), null, end, "name", "arguments");
        }

        @Override
        String newId() {
            return alphanumeric(9);
        }
    },
    /** Mistral Small 3.2, Devstral, Ministral 3: {@code [TOOL_CALLS]name[ARGS]{...}} per call. */
    MISTRAL_ARGS("[TOOL_CALLS]") {
        @Override
        Section parse(String text, boolean end) {
            int args = text.indexOf("[ARGS]", trigger().length());
            if (args < 0) {
                return end || text.length() - trigger().length() > 128 ? Section.NOT_A_CALL : Section.INCOMPLETE;
            }
            String name = text.substring(trigger().length(), args).strip();
            if (name.isEmpty() || name.contains("[")) return Section.NOT_A_CALL;
            int jsonEnd = JsonScan.containerEnd(text, args + "[ARGS]".length());
            if (jsonEnd == JsonScan.INCOMPLETE) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
            if (jsonEnd == JsonScan.NOT_JSON) return Section.NOT_A_CALL;
            JsonNode arguments = Json.parseOrNull(text.substring(args + "[ARGS]".length(), jsonEnd));
            if (arguments == null || !arguments.isObject()) return Section.NOT_A_CALL;
            return new Section(Status.CALLS, List.of(new ParsedCall(name, Json.write(arguments), null)), jsonEnd);
        }

        @Override
        String newId() {
            return alphanumeric(9);
        }
    },
    /** IBM Granite 3 and 4: {@code <|tool_call|>[{"name", "arguments"}, ...]}. */
    GRANITE("<|tool_call|>") {
        @Override
        Section parse(String text, boolean end) {
            return callArray(text, trigger().length(), null, end, "name", "arguments");
        }
    },
    /** Command R7B: {@code <|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}, ...]<|END_ACTION|>}. */
    COMMAND_R7B("<|START_ACTION|>") {
        @Override
        Section parse(String text, boolean end) {
            return callArray(text, trigger().length(), "<|END_ACTION|>", end, "tool_name", "parameters");
        }
    },
    /**
     * DeepSeek R1 ({@code function<｜tool▁sep｜>name} then the arguments in a json code block) and V3.1
     * ({@code name<｜tool▁sep｜>arguments}), each call between call markers, all between calls markers.
     */
    DEEPSEEK("<｜tool▁calls▁begin｜>") {
        private static final String CALL_BEGIN = "<｜tool▁call▁begin｜>";
        private static final String SEPARATOR = "<｜tool▁sep｜>";
        private static final String CALL_END = "<｜tool▁call▁end｜>";
        private static final String CALLS_END = "<｜tool▁calls▁end｜>";

        @Override
        Section parse(String text, boolean end) {
            List<ParsedCall> calls = new ArrayList<>();
            int i = trigger().length();
            while (true) {
                i = JsonScan.skipWhitespace(text, i);
                if (text.startsWith(CALLS_END, i)) return new Section(Status.CALLS, calls, i + CALLS_END.length());
                if (i == text.length() || CALL_BEGIN.startsWith(text.substring(i)) || CALLS_END.startsWith(text.substring(i))) {
                    if (end && !calls.isEmpty()) return new Section(Status.CALLS, calls, i);
                    return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
                }
                if (!text.startsWith(CALL_BEGIN, i)) return calls.isEmpty() ? Section.NOT_A_CALL : new Section(Status.CALLS, calls, i);
                int separator = text.indexOf(SEPARATOR, i);
                if (separator < 0) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
                String name = text.substring(i + CALL_BEGIN.length(), separator);
                int argumentsStart = separator + SEPARATOR.length();
                if (name.equals("function")) {
                    // R1: the name runs to the end of the line, then a json code block
                    int newline = text.indexOf('\n', argumentsStart);
                    if (newline < 0) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
                    name = text.substring(argumentsStart, newline);
                    argumentsStart = newline + 1;
                    String rest = text.substring(argumentsStart);
                    if (!end && rest.length() < "```json".length() && "```json".startsWith(rest)) return Section.INCOMPLETE;
                    if (rest.startsWith("```json")) argumentsStart += "```json".length();
                }
                int jsonEnd = JsonScan.containerEnd(text, argumentsStart);
                if (jsonEnd == JsonScan.INCOMPLETE) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
                if (jsonEnd == JsonScan.NOT_JSON) return Section.NOT_A_CALL;
                JsonNode arguments = Json.parseOrNull(text.substring(argumentsStart, jsonEnd));
                if (arguments == null || !arguments.isObject() || name.isBlank()) return Section.NOT_A_CALL;
                int close = JsonScan.skipWhitespace(text, jsonEnd);
                if (!end && ("```" + CALL_END).startsWith(text.substring(close))) return Section.INCOMPLETE;
                if (text.startsWith("```", close)) close = JsonScan.skipWhitespace(text, close + 3);
                if (!text.startsWith(CALL_END, close)) {
                    if (!end && CALL_END.startsWith(text.substring(close))) return Section.INCOMPLETE;
                    return Section.NOT_A_CALL;
                }
                calls.add(new ParsedCall(name.strip(), Json.write(arguments), null));
                i = close + CALL_END.length();
            }
        }
    },
    /** Functionary v3.1 (Llama 3.1 based): {@code <function=name>{...}</function>}. */
    FUNCTIONARY_V3_1("<function=") {
        @Override
        Section parse(String text, boolean end) {
            int close = text.indexOf('>', trigger().length());
            if (close < 0) return end || text.length() > 128 ? Section.NOT_A_CALL : Section.INCOMPLETE;
            String name = text.substring(trigger().length(), close);
            if (!name.matches("[A-Za-z0-9_.\\-]+")) return Section.NOT_A_CALL;
            Section object = wrappedArguments(text, close + 1, "</function>", end);
            if (object.status() != Status.CALLS) return object;
            return new Section(Status.CALLS, List.of(new ParsedCall(name, object.calls().getFirst().arguments(), null)),
                    object.consumed());
        }
    };

    /** Whether a section is calls, needs more text, or is ordinary content after all. */
    enum Status { CALLS, INCOMPLETE, NOT_A_CALL }

    /** The result of reading at a trigger: the calls and how many chars they took. */
    record Section(Status status, List<ParsedCall> calls, int consumed) {
        static final Section INCOMPLETE = new Section(Status.INCOMPLETE, List.of(), 0);
        static final Section NOT_A_CALL = new Section(Status.NOT_A_CALL, List.of(), 0);
    }

    /** A call as read from the text; {@code id} when the model wrote one. */
    record ParsedCall(String name, String arguments, String id) {
    }

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String trigger;

    ToolCallFormat(String trigger) {
        this.trigger = trigger;
    }

    /** The text that starts a call. */
    public String trigger() {
        return trigger;
    }

    /** Reads the calls at the start of {@code text}, which begins with the trigger (or a JSON object, see {@link #leadingJson}). */
    abstract Section parse(String text, boolean end);

    /** A bare {@code {"name", "arguments"}} object at the start of {@code text}. */
    static Section parseBare(String text, boolean end) {
        return wrappedObject(text, 0, null, end);
    }

    /** Whether a reply that starts with a JSON object is a call too, without the trigger. */
    boolean leadingJson() {
        return false;
    }

    /** A fresh call id in the form the model's template accepts back. */
    String newId() {
        return ToolCall.newId();
    }

    /** The format the chat template writes and expects, from its text; Hermes when it shows none it knows. */
    public static ToolCallFormat detect(String templateSource) {
        String src = templateSource == null ? "" : templateSource;
        if (src.contains("[TOOL_CALLS]")) return src.contains("[ARGS]") ? MISTRAL_ARGS : MISTRAL;
        if (src.contains("<|START_ACTION|>")) return COMMAND_R7B;
        if (src.contains("<|tool_call|>")) return GRANITE;
        if (src.contains("<｜tool▁calls▁begin｜>")) return DEEPSEEK;
        if (src.contains("<function=") && !src.contains("<parameter=") && !src.contains("<tool_call>")) return FUNCTIONARY_V3_1;
        if (src.contains("<tool_call>")) return HERMES;
        if (src.contains("<|python_tag|>") || src.contains("ipython")) return LLAMA3_JSON;
        return HERMES;
    }

    static String alphanumeric(int length) {
        var id = new StringBuilder(length);
        for (int i = 0; i < length; i++) id.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        return id.toString();
    }

    /** A {@code {"name", "arguments" | "parameters"}} object at {@code from}, then {@code close} if given. */
    private static Section wrappedObject(String text, int from, String close, boolean end) {
        int jsonEnd = JsonScan.containerEnd(text, from);
        if (jsonEnd == JsonScan.NOT_JSON) return Section.NOT_A_CALL;
        if (jsonEnd == JsonScan.INCOMPLETE) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
        JsonNode object = Json.parseOrNull(text.substring(from, jsonEnd));
        ParsedCall call = object == null ? null : call(object, "name", "arguments");
        if (call == null) return Section.NOT_A_CALL;
        int consumed = afterClose(text, jsonEnd, close, end);
        if (consumed < 0) return Section.INCOMPLETE;
        return new Section(Status.CALLS, List.of(call), consumed);
    }

    /** A JSON object of arguments at {@code from}, then {@code close}. */
    private static Section wrappedArguments(String text, int from, String close, boolean end) {
        int jsonEnd = JsonScan.containerEnd(text, from);
        if (jsonEnd == JsonScan.NOT_JSON) return Section.NOT_A_CALL;
        if (jsonEnd == JsonScan.INCOMPLETE) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
        JsonNode arguments = Json.parseOrNull(text.substring(from, jsonEnd));
        if (arguments == null || !arguments.isObject()) return Section.NOT_A_CALL;
        int consumed = afterClose(text, jsonEnd, close, end);
        if (consumed < 0) return Section.INCOMPLETE;
        return new Section(Status.CALLS, List.of(new ParsedCall("", Json.write(arguments), null)), consumed);
    }

    /** An array of call objects at {@code from}, then {@code close} if given. */
    private static Section callArray(String text, int from, String close, boolean end, String nameField, String argumentsField) {
        int jsonEnd = JsonScan.containerEnd(text, from);
        if (jsonEnd == JsonScan.NOT_JSON) return Section.NOT_A_CALL;
        if (jsonEnd == JsonScan.INCOMPLETE) return end ? Section.NOT_A_CALL : Section.INCOMPLETE;
        JsonNode array = Json.parseOrNull(text.substring(from, jsonEnd));
        if (array == null) return Section.NOT_A_CALL;
        List<ParsedCall> calls = new ArrayList<>();
        for (JsonNode element : array.isArray() ? array : List.of(array)) {
            ParsedCall call = call(element, nameField, argumentsField);
            if (call == null) return Section.NOT_A_CALL;
            calls.add(call);
        }
        if (calls.isEmpty()) return Section.NOT_A_CALL;
        int consumed = afterClose(text, jsonEnd, close, end);
        if (consumed < 0) return Section.INCOMPLETE;
        return new Section(Status.CALLS, calls, consumed);
    }

    /** Where the section ends: after {@code close} (and the whitespace before it) when present; -1 while it may still come. */
    private static int afterClose(String text, int jsonEnd, String close, boolean end) {
        if (close == null) return jsonEnd;
        int i = JsonScan.skipWhitespace(text, jsonEnd);
        if (text.startsWith(close, i)) return i + close.length();
        String rest = text.substring(i);
        if (!end && close.startsWith(rest)) return -1;
        return jsonEnd; // a call without its closing tag still counts
    }

    /** A call from {@code {nameField: "...", argumentsField: {...} | "..."}}; also accepts "parameters" / "arguments". */
    private static ParsedCall call(JsonNode object, String nameField, String argumentsField) {
        if (object == null || !object.isObject()) return null;
        JsonNode name = object.get(nameField);
        if (name == null || !name.isString() || name.stringValue().isEmpty()) return null;
        JsonNode arguments = object.get(argumentsField);
        if (arguments == null) arguments = object.get(argumentsField.equals("arguments") ? "parameters" : "arguments");
        String argumentsText;
        if (arguments == null || arguments.isNull()) argumentsText = "{}";
        else if (arguments.isObject()) argumentsText = Json.write(arguments);
        else if (arguments.isString() && Json.parseOrNull(arguments.stringValue()) instanceof JsonNode parsed && parsed.isObject()) {
            argumentsText = arguments.stringValue();
        } else return null;
        JsonNode id = object.get("id");
        if (id == null) id = object.get("tool_call_id");
        return new ParsedCall(name.stringValue(), argumentsText, id != null && id.isString() ? id.stringValue() : null);
    }
}
