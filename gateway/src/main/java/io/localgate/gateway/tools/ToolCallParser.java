package io.localgate.gateway.tools;

import io.localgate.gateway.tools.ToolCallFormat.ParsedCall;
import io.localgate.gateway.tools.ToolCallFormat.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits generated text, as it streams, into content and tool calls. Text that may be the start of a
 * call marker is held back until the next piece shows whether it is. Where a call is a JSON object
 * {@code {"name": ..., "arguments": {...}}} (Hermes, Llama 3, a forced bare call), its name comes out as
 * soon as it is known and its arguments as they are generated; other formats' calls come out whole once
 * complete. What turns out not to be a call is content after all.
 */
public final class ToolCallParser {

    /** What the parser releases, in order. */
    public sealed interface Piece {
        record Content(String text) implements Piece {
        }

        /** A whole call. */
        record Call(ToolCall call) implements Piece {
        }

        /** The start of a call whose arguments follow in {@link CallArguments} pieces. */
        record CallStart(String id, String name) implements Piece {
        }

        /** More argument text of the call last started. */
        record CallArguments(String text) implements Piece {
        }
    }

    /** The head of a call object up to its arguments object: {@code {"name": "f", "arguments": }. */
    private static final Pattern OBJECT_HEAD = Pattern.compile(
            "\\s*\\{\\s*\"name\"\\s*:\\s*\"([^\"\\\\]+)\"\\s*,\\s*\"(?:arguments|parameters)\"\\s*:\\s*(?=\\{)");

    private final ToolCallFormat format;
    private final Set<String> names;
    private final boolean parallel;
    private final boolean bareCalls;
    private final StringBuilder held = new StringBuilder();
    private boolean anythingReleased;
    private int calls;
    /** While a call's arguments stream: where in them the scan is. */
    private JsonDepth arguments;
    /** After streamed arguments: the rest of the call object, then the format's closing tag, to skip. */
    private JsonDepth callRest;
    private boolean closingTagPending;

    /**
     * @param names     the functions the model may call; a "call" of another name is content
     * @param parallel  whether more than one call is kept
     * @param bareCalls whether a reply that starts with a {@code {"name", "arguments"}} object is a call
     *                  (what the grammar of a forced call asks for where the format's marker is a control token)
     */
    public ToolCallParser(ToolCallFormat format, Set<String> names, boolean parallel, boolean bareCalls) {
        this.format = format;
        this.bareCalls = bareCalls;
        this.names = Set.copyOf(names);
        this.parallel = parallel;
    }

    /** Whether any call has been released. */
    public boolean calledTools() {
        return calls > 0;
    }

    public List<Piece> append(String text) {
        held.append(text);
        return drain(false);
    }

    /** Everything still held, at the end of the generation. */
    public List<Piece> finish() {
        return drain(true);
    }

    private List<Piece> drain(boolean end) {
        List<Piece> out = new ArrayList<>();
        while (!held.isEmpty()) {
            if (arguments != null) {
                int close = arguments.scan(held);
                int upTo = close < 0 ? held.length() : close;
                if (upTo > 0) out.add(new Piece.CallArguments(held.substring(0, upTo)));
                held.delete(0, upTo);
                if (close < 0) break;
                arguments = null;
                callRest = new JsonDepth(1);
                continue;
            }
            if (callRest != null) {
                if (!skipCallRest(end)) break;
                continue;
            }
            String text = held.toString();
            int start = callStart(text);
            if (start < 0) {
                int keep = end ? 0 : heldBack(text);
                content(out, text.substring(0, text.length() - keep));
                held.delete(0, text.length() - keep);
                break;
            }
            // whitespace before a reply's leading JSON call is not content
            if (anythingReleased || !text.substring(0, start).isBlank()) content(out, text.substring(0, start));
            held.delete(0, start);
            text = held.toString();
            boolean atTrigger = text.startsWith(format.trigger());
            if (startStreaming(text, atTrigger, out)) continue;
            Section section = atTrigger || format.leadingJson() ? format.parse(text, end) : ToolCallFormat.parseBare(text, end);
            if (section.status() == ToolCallFormat.Status.INCOMPLETE) break;
            if (section.status() == ToolCallFormat.Status.NOT_A_CALL || !known(section.calls())) {
                // not a call after all: its first char is content, and scanning goes on after it
                content(out, text.substring(0, 1));
                held.delete(0, 1);
                continue;
            }
            for (ParsedCall call : section.calls()) {
                if (calls > 0 && !parallel) break;
                calls++;
                String id = call.id() != null && !call.id().isBlank() ? call.id() : format.newId();
                out.add(new Piece.Call(new ToolCall(id, call.name(), call.arguments())));
            }
            held.delete(0, section.consumed());
            anythingReleased = true;
        }
        return out;
    }

    /**
     * Starts streaming a call whose name is known and whose arguments object has begun, for formats
     * whose call is such an object; false when the text does not show that (yet).
     */
    private boolean startStreaming(String text, boolean atTrigger, List<Piece> out) {
        boolean objectCall = format == ToolCallFormat.HERMES || format == ToolCallFormat.LLAMA3_JSON || !atTrigger;
        if (!objectCall || calls > 0 && !parallel) return false;
        int from = atTrigger ? format.trigger().length() : 0;
        Matcher head = OBJECT_HEAD.matcher(text).region(from, text.length());
        if (!head.lookingAt() || !names.contains(head.group(1))) return false;
        calls++;
        anythingReleased = true;
        out.add(new Piece.CallStart(format.newId(), head.group(1)));
        held.delete(0, head.end());
        arguments = new JsonDepth(0);
        return true;
    }

    /**
     * Skips what follows streamed arguments: the rest of the call object (dropped as it arrives), then
     * the format's closing tag; false while more text is needed.
     */
    private boolean skipCallRest(boolean end) {
        if (!closingTagPending) {
            int close = callRest.scan(held);
            if (close < 0) {
                held.setLength(0);
                if (end) callRest = null;
                return false;
            }
            held.delete(0, close);
            closingTagPending = true;
        }
        String closing = format == ToolCallFormat.HERMES ? "</tool_call>" : "";
        int tag = JsonScan.skipWhitespace(held.toString(), 0);
        String rest = held.substring(tag);
        if (!end && !closing.isEmpty() && rest.length() < closing.length() && closing.startsWith(rest)) return false;
        if (!closing.isEmpty() && rest.startsWith(closing)) held.delete(0, tag + closing.length());
        closingTagPending = false;
        callRest = null;
        return true;
    }

    private boolean known(List<ParsedCall> parsed) {
        return parsed.stream().allMatch(call -> names.contains(call.name()));
    }

    /** Where a call starts in the text, or -1: the trigger, or a leading JSON object for formats that allow it. */
    private int callStart(String text) {
        if ((format.leadingJson() || bareCalls) && !anythingReleased) {
            int first = JsonScan.skipWhitespace(text, 0);
            if (first < text.length() && text.charAt(first) == '{') return first;
        }
        return text.indexOf(format.trigger());
    }

    /** How many chars at the end may begin a call marker (or leading whitespace before a leading JSON call). */
    private int heldBack(String text) {
        if ((format.leadingJson() || bareCalls) && !anythingReleased && text.isBlank()) return text.length();
        String trigger = format.trigger();
        for (int k = Math.min(trigger.length() - 1, text.length()); k > 0; k--) {
            if (text.endsWith(trigger.substring(0, k))) return k;
        }
        return 0;
    }

    private void content(List<Piece> out, String text) {
        if (text.isEmpty()) return;
        anythingReleased = true;
        if (!out.isEmpty() && out.getLast() instanceof Piece.Content(String previous)) {
            out.set(out.size() - 1, new Piece.Content(previous + text));
        } else {
            out.add(new Piece.Content(text));
        }
    }

    /** Scans JSON text that arrives in pieces for the close of the container it is in (strings respected). */
    private static final class JsonDepth {
        private int depth;
        private boolean inString;
        private boolean escaped;

        /** @param depth how many containers are open where the scan starts */
        JsonDepth(int depth) {
            this.depth = depth;
        }

        /**
         * Scans all of {@code text} (the unscanned rest, from its start); returns the index just after
         * the char that closes the outermost container, or -1 when the text ends first.
         */
        int scan(CharSequence text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (inString) {
                    if (escaped) escaped = false;
                    else if (c == '\\') escaped = true;
                    else if (c == '"') inString = false;
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if ((c == '}' || c == ']') && --depth == 0) {
                    return i + 1;
                }
            }
            return -1;
        }
    }
}
