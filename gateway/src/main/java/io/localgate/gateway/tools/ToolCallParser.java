package io.localgate.gateway.tools;

import io.localgate.gateway.tools.ToolCallFormat.ParsedCall;
import io.localgate.gateway.tools.ToolCallFormat.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits generated text, as it streams, into content and tool calls. Text that may be the start of a
 * call marker is held back until the next piece shows whether it is; a call comes out once its text is
 * complete. What turns out not to be a call is content after all.
 */
public final class ToolCallParser {

    /** What the parser releases, in order. */
    public sealed interface Piece {
        record Content(String text) implements Piece {
        }

        record Call(ToolCall call) implements Piece {
        }
    }

    private final ToolCallFormat format;
    private final Set<String> names;
    private final boolean parallel;
    private final boolean bareCalls;
    private final StringBuilder held = new StringBuilder();
    private boolean anythingReleased;
    private int calls;

    /**
     * @param names    the functions the model may call; a "call" of another name is content
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
            Section section = text.startsWith(format.trigger()) || format.leadingJson()
                    ? format.parse(text, end) : ToolCallFormat.parseBare(text, end);
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
}
