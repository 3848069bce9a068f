package io.localgate.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * WordPiece (BERT), as llama.cpp's {@code llm_tokenizer_wpm_session}: the text is normalised (accents
 * stripped by keeping each code point's first NFD code point, lower-cased) and cut at whitespace,
 * punctuation, ASCII symbols and CJK ideographs; each word, prefixed with {@code ▁}, is spelt greedily
 * with the longest tokens from the left, and a word that cannot be spelt is the unknown token. The
 * vocabulary is in llama.cpp's form: word starts carry {@code ▁}, continuations have lost their {@code ##}.
 */
final class WordPieceEncoder implements TextEncoder {

    private final Vocabulary vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final int maxTokenBytes;

    WordPieceEncoder(Vocabulary vocab, boolean lowercase, boolean stripAccents) {
        this.vocab = vocab;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        int max = 0;
        for (int id = 0; id < vocab.size(); id++) {
            max = Math.max(max, vocab.text(id).getBytes(StandardCharsets.UTF_8).length);
        }
        this.maxTokenBytes = max;
    }

    @Override
    public void encode(String text, boolean afterSpecialOrStart, IntList out) {
        var word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cpt = text.codePointAt(i);
            i += Character.charCount(cpt);
            if (stripAccents) cpt = firstOfDecomposition(cpt);
            int flags = UnicodeFlags.of(cpt);
            if ((flags & UnicodeFlags.WHITESPACE) != 0) {
                encodeWord(word, out);
                continue;
            }
            boolean dropped = cpt == 0 || cpt == 0xFFFD || (flags & UnicodeFlags.CONTROL) != 0
                    || (stripAccents && (flags & UnicodeFlags.MARK) != 0);
            if (dropped) continue;
            int c = lowercase ? toLowerCase(cpt) : cpt;
            boolean standsAlone = (flags & UnicodeFlags.PUNCTUATION) != 0
                    || (cpt < 0x7F && (flags & UnicodeFlags.SYMBOL) != 0) || isChineseCharacter(cpt);
            if (standsAlone) {
                encodeWord(word, out);
                word.appendCodePoint(c);
                encodeWord(word, out);
            } else {
                word.appendCodePoint(c);
            }
        }
        encodeWord(word, out);
    }

    /** Spells one word (and clears the buffer): longest known token first, or the unknown token. */
    private void encodeWord(StringBuilder buffer, IntList out) {
        if (buffer.isEmpty()) return;
        String word = "\u2581" + buffer;
        buffer.setLength(0);
        IntList tokens = new IntList(4);
        for (int start = 0; start < word.length(); ) {
            start = appendLongestTokenAt(word, start, tokens);
            if (start < 0) {
                if (vocab.unknown() != Vocabulary.NONE) out.add(vocab.unknown());
                return;
            }
        }
        for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i));
    }

    /** Appends the longest token that starts at start and returns where it ends, or -1 when none does. */
    private int appendLongestTokenAt(String word, int start, IntList tokens) {
        IntList ends = new IntList(16);
        int bytes = 0;
        for (int end = start; end < word.length(); ) {
            int cpt = word.codePointAt(end);
            end += Character.charCount(cpt);
            bytes += utf8Length(cpt);
            if (bytes > maxTokenBytes) break;
            ends.add(end);
        }
        for (int k = ends.size() - 1; k >= 0; k--) {
            int id = vocab.id(word, start, ends.get(k));
            if (id != Vocabulary.NONE) {
                tokens.add(id);
                return ends.get(k);
            }
        }
        return -1;
    }

    private static int utf8Length(int cpt) {
        return cpt < 0x80 ? 1 : cpt < 0x800 ? 2 : cpt < 0x10000 ? 3 : 4;
    }

    /** llama.cpp's accent stripping: the first code point of the canonical decomposition. */
    private static int firstOfDecomposition(int cpt) {
        if (cpt < 0xC0 || UnicodeFlags.category(cpt) == UnicodeFlags.UNDEFINED) return cpt;
        String s = Character.toString(cpt);
        return Normalizer.isNormalized(s, Normalizer.Form.NFD) ? cpt : Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    private static int toLowerCase(int cpt) {
        return UnicodeFlags.category(cpt) == UnicodeFlags.UNDEFINED ? cpt : Character.toLowerCase(cpt);
    }

    /** The CJK ranges of llama.cpp (after HF's BERT tokenizer, whose range bound it copies). */
    private static boolean isChineseCharacter(int cpt) {
        return (cpt >= 0x4E00 && cpt <= 0x9FFF) || (cpt >= 0x3400 && cpt <= 0x4DBF)
                || (cpt >= 0x20000 && cpt <= 0x2A6DF) || (cpt >= 0x2A700 && cpt <= 0x2B73F)
                || (cpt >= 0x2B740 && cpt <= 0x2B81F) || (cpt >= 0x2B920 && cpt <= 0x2CEAF)
                || (cpt >= 0xF900 && cpt <= 0xFAFF) || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
    }
}
