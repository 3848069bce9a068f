package io.localgate.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

    @Test
    void text_without_stop_strings_passes_through() {
        var stops = new StopStrings(List.of());
        assertThat(stops.append("Hello")).isEqualTo(new StopStrings.Released("Hello", false));
    }

    @Test
    void text_that_may_start_a_stop_string_is_held_back_until_it_cannot() {
        var stops = new StopStrings(List.of("END"));
        assertThat(stops.append("The E")).isEqualTo(new StopStrings.Released("The ", false));
        assertThat(stops.append("N")).isEqualTo(new StopStrings.Released("", false));
        assertThat(stops.append("d")).isEqualTo(new StopStrings.Released("ENd", false));
    }

    @Test
    void a_match_across_pieces_ends_the_text_before_it() {
        var stops = new StopStrings(List.of("\n\n"));
        assertThat(stops.append("one\n")).isEqualTo(new StopStrings.Released("one", false));
        assertThat(stops.append("\ntwo")).isEqualTo(new StopStrings.Released("", true));
    }

    @Test
    void the_earliest_of_several_stop_strings_wins() {
        var stops = new StopStrings(List.of("c", "ab"));
        assertThat(stops.append("xabc")).isEqualTo(new StopStrings.Released("x", true));
    }

    @Test
    void held_text_is_released_at_the_end() {
        var stops = new StopStrings(List.of("STOP"));
        assertThat(stops.append("ok ST")).isEqualTo(new StopStrings.Released("ok ", false));
        assertThat(stops.flush()).isEqualTo("ST");
    }
}
