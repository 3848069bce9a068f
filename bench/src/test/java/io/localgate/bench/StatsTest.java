package io.localgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.of(List.of(5.0, 1.0, 3.0)).median()).isEqualTo(3.0);
        assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 2.0)).median()).isEqualTo(2.5);
    }

    @Test
    void percentilesInterpolateAsNumpy() {
        var stats = Stats.of(List.of(1.0, 2.0, 3.0, 4.0));
        assertThat(stats.percentile(99)).isCloseTo(3.97, offset(1e-12));   // numpy.percentile([1,2,3,4], 99)
        assertThat(stats.percentile(0)).isEqualTo(1.0);
        assertThat(stats.percentile(100)).isEqualTo(4.0);
        assertThat(stats.min()).isEqualTo(1.0);
        assertThat(stats.max()).isEqualTo(4.0);
        assertThat(stats.mean()).isEqualTo(2.5);
        assertThat(Stats.of(List.of(7.0)).percentile(99)).isEqualTo(7.0);
    }

    @Test
    void rejectsAnEmptySampleAndBadPercentiles() {
        assertThatThrownBy(() -> Stats.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stats.of(List.of(1.0)).percentile(101)).isInstanceOf(IllegalArgumentException.class);
    }
}
