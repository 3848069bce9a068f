package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private static List<String> events(String... lines) {
        var parser = new SseParser();
        var events = new ArrayList<String>();
        for (String line : lines) parser.line(line).ifPresent(events::add);
        parser.finish().ifPresent(events::add);
        return events;
    }

    @Test
    void dispatchesDataOnBlankLines() {
        assertThat(events("data: {\"a\":1}", "", "data: [DONE]", "")).containsExactly("{\"a\":1}", "[DONE]");
    }

    @Test
    void joinsMultiLineDataAndKeepsSpacesAfterTheFirst() {
        assertThat(events("data:one", "data:  two", "")).containsExactly("one\n two");
    }

    @Test
    void ignoresCommentsOtherFieldsAndEmptyEvents() {
        assertThat(events(": keep-alive", "event: message", "id: 3", "", "", "data: x", "")).containsExactly("x");
    }

    @Test
    void anEventThatTheStreamCutsOffIsStillRead() {
        assertThat(events("data: last")).containsExactly("last");
        assertThat(new SseParser().finish()).isEqualTo(Optional.empty());
    }
}
