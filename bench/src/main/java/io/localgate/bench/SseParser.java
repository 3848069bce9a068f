package io.localgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Server-sent events, line by line, as the HTML standard's event-stream parser reads them: {@code data:}
 * fields (one optional space after the colon) join with newlines, a blank line dispatches the event,
 * lines starting with a colon are comments, other fields ({@code event}, {@code id}, {@code retry}) are
 * ignored because the OpenAI stream does not use them.
 */
final class SseParser {

    private final List<String> data = new ArrayList<>();

    /** Feeds one line (without its line ending); returns the data of the event it completes, if any. */
    Optional<String> line(String line) {
        if (line.isEmpty()) return dispatch();
        if (line.startsWith(":")) return Optional.empty();
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        if (!field.equals("data")) return Optional.empty();
        String value = colon < 0 ? "" : line.substring(colon + 1);
        data.add(value.startsWith(" ") ? value.substring(1) : value);
        return Optional.empty();
    }

    /** At the end of the stream: the data of an event that no blank line dispatched. */
    Optional<String> finish() {
        return dispatch();
    }

    private Optional<String> dispatch() {
        if (data.isEmpty()) return Optional.empty();
        String event = String.join("\n", data);
        data.clear();
        return Optional.of(event);
    }
}
