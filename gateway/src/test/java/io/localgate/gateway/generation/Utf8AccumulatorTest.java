package io.localgate.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8AccumulatorTest {

    private final Utf8Accumulator utf8 = new Utf8Accumulator();

    @Test
    void ascii_comes_out_at_once() {
        assertThat(utf8.append(bytes("Hello"))).isEqualTo("Hello");
        assertThat(utf8.flush()).isEmpty();
    }

    @Test
    void a_character_split_across_pieces_comes_out_whole() {
        byte[] nihon = bytes("日本"); // two 3-byte characters
        assertThat(utf8.append(new byte[] {nihon[0]})).isEmpty();
        assertThat(utf8.append(new byte[] {nihon[1]})).isEmpty();
        assertThat(utf8.append(new byte[] {nihon[2], nihon[3]})).isEqualTo("日");
        assertThat(utf8.append(new byte[] {nihon[4], nihon[5], 'x'})).isEqualTo("本x");
    }

    @Test
    void four_byte_characters_are_held_until_complete() {
        byte[] emoji = bytes("🙂");
        assertThat(utf8.append(new byte[] {emoji[0], emoji[1], emoji[2]})).isEmpty();
        assertThat(utf8.append(new byte[] {emoji[3]})).isEqualTo("🙂");
    }

    @Test
    void invalid_bytes_become_replacement_characters() {
        assertThat(utf8.append(new byte[] {'a', (byte) 0xFF, 'b'})).isEqualTo("a\uFFFDb");
        assertThat(utf8.append(new byte[] {(byte) 0x80})).isEqualTo("\uFFFD");
    }

    @Test
    void an_unfinished_character_at_the_end_becomes_a_replacement_character() {
        byte[] e = bytes("é");
        assertThat(utf8.append(new byte[] {'x', e[0]})).isEqualTo("x");
        assertThat(utf8.flush()).isEqualTo("\uFFFD");
    }

    @Test
    void a_cut_character_followed_by_ascii_is_not_held_forever() {
        byte[] e = bytes("日");
        assertThat(utf8.append(new byte[] {e[0], e[1]})).isEmpty();
        assertThat(utf8.append(bytes("a"))).isEqualTo("\uFFFDa");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
