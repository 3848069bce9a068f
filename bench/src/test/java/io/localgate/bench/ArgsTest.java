package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {

    @Test
    void optionsListsAndPositionals() {
        var args = new Args(List.of("a.gguf", "--threads", "1,2", "--runs=7", "b", "--verbose"), Set.of("verbose"));
        assertThat(args.integers("threads", "4")).containsExactly(1, 2);
        assertThat(args.integer("runs", 5)).isEqualTo(7);
        assertThat(args.integer("pp", 512)).isEqualTo(512);
        assertThat(args.flag("verbose")).isTrue();
        assertThat(args.positional()).containsExactly("a.gguf", "b");
        args.requireAllUsed();
    }

    @Test
    void aMistypedOptionIsAnErrorNotADefault() {
        var args = new Args(List.of("--thread", "2"), Set.of());
        args.integers("threads", "4");
        assertThatThrownBy(args::requireAllUsed).hasMessageContaining("--thread");
        assertThatThrownBy(() -> new Args(List.of("--runs"), Set.of())).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> new Args(List.of("--runs", "x"), Set.of()).integer("runs", 5)).hasMessageContaining("integer");
    }
}
