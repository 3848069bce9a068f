package io.localgate.engine.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextIndexTest {

    @Test
    void findsWholeStringsStretchesAndJoinedStretches() {
        TextIndex index = new TextIndex(new String[] {"a", "ab", "abc", "日本", "", "b"});
        assertThat(index.id("ab")).isEqualTo(1);
        assertThat(index.id("")).isEqualTo(4);
        assertThat(index.id("abcd")).isEqualTo(-1);
        assertThat(index.id("xabcx", 1, 4)).isEqualTo(2);
        assertThat(index.id("xabcx", 2, 3)).isEqualTo(5);
        assertThat(index.id("x日本", 1, 3)).isEqualTo(3);
        assertThat(index.idOfJoined("a b", 0, 1, 2, 3)).isEqualTo(1);
        assertThat(index.idOfJoined("a c", 0, 1, 2, 3)).isEqualTo(-1);
    }

    @Test
    void ofTwoTokensWithTheSameTextTheLaterWins() {
        TextIndex index = new TextIndex(new String[] {"x", "y", "x"});
        assertThat(index.id("x")).isEqualTo(2);
        assertThat(index.id("y")).isEqualTo(1);
    }

    @Test
    void manyTexts() {
        String[] texts = new String[100_000];
        for (int i = 0; i < texts.length; i++) texts[i] = Integer.toString(i, 36);
        TextIndex index = new TextIndex(texts);
        for (int i = 0; i < texts.length; i += 7) assertThat(index.id(texts[i])).isEqualTo(i);
        assertThat(index.id("-1")).isEqualTo(-1);
    }
}
