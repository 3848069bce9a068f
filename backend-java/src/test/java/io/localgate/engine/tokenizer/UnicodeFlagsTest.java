package io.localgate.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class UnicodeFlagsTest {

    @Test
    void classesOfSomeCodePoints() {
        assertThat(UnicodeFlags.of('a')).isEqualTo(UnicodeFlags.LETTER);
        assertThat(UnicodeFlags.of('7')).isEqualTo(UnicodeFlags.NUMBER);
        assertThat(UnicodeFlags.of('½')).isEqualTo(UnicodeFlags.NUMBER);
        assertThat(UnicodeFlags.of('$')).isEqualTo(UnicodeFlags.SYMBOL);
        assertThat(UnicodeFlags.of('_')).isEqualTo(UnicodeFlags.PUNCTUATION);
        assertThat(UnicodeFlags.of(0x0301)).isEqualTo(UnicodeFlags.MARK);
        assertThat(UnicodeFlags.of(' ')).isEqualTo(UnicodeFlags.SEPARATOR | UnicodeFlags.WHITESPACE);
        assertThat(UnicodeFlags.of('\n')).isEqualTo(UnicodeFlags.CONTROL | UnicodeFlags.WHITESPACE);
        assertThat(UnicodeFlags.of(0x85)).isEqualTo(UnicodeFlags.CONTROL | UnicodeFlags.WHITESPACE);
        assertThat(UnicodeFlags.of(0x200B)).isEqualTo(UnicodeFlags.CONTROL); // zero width space: a format character
        assertThat(UnicodeFlags.of(0x0378)).isEqualTo(UnicodeFlags.UNDEFINED);
        // assigned in Unicode 16.0 (Java 25), unassigned in llama.cpp's tables
        assertThat(UnicodeFlags.of(0x1C89)).isEqualTo(UnicodeFlags.UNDEFINED);
        assertThat(UnicodeFlags.of(0x1FBEF)).isEqualTo(UnicodeFlags.UNDEFINED);
        assertThat(UnicodeFlags.of(0x1FBF0)).isEqualTo(UnicodeFlags.NUMBER);
    }

    /** Every code point against llama.cpp's own table, where its source is at hand (-Dllama.cpp.source). */
    @Test
    void categoriesEqualLlamaCppsTables() throws IOException {
        Path source = Path.of(System.getProperty("llama.cpp.source", "/work/ref/llama.cpp"), "src/unicode-data.cpp");
        assumeTrue(Files.isRegularFile(source), "llama.cpp source not found at " + source);
        String data = Files.readString(source);
        Matcher m = Pattern.compile("\\{0x([0-9A-F]+), 0x([0-9A-F]+)}").matcher(data.substring(0, data.indexOf("unicode_set_whitespace")));
        List<int[]> ranges = new ArrayList<>();
        while (m.find()) ranges.add(new int[] {Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16)});
        assertThat(ranges).hasSizeGreaterThan(2000);
        List<String> differences = new ArrayList<>();
        for (int r = 0; r + 1 < ranges.size(); r++) {
            for (int cpt = ranges.get(r)[0]; cpt < ranges.get(r + 1)[0]; cpt++) {
                if (UnicodeFlags.category(cpt) != ranges.get(r)[1] && differences.size() < 20) {
                    differences.add(Integer.toHexString(cpt));
                }
            }
        }
        assertThat(differences).isEmpty();
    }
}
