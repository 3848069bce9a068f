package io.localgate.engine.tokenizer;

import io.localgate.backend.Tokenizer;
import io.localgate.engine.tokenizer.SpecialTokenSplitter.Fragment;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A tokenizer read from GGUF metadata, equal token for token to llama.cpp's {@code llama_tokenize} and
 * {@code llama_token_to_piece}: special tokens are cut out first, the text between them goes to the
 * vocabulary's algorithm, BOS/EOS are added as the metadata says. Immutable, so safe to share between
 * threads.
 */
final class GgufTokenizer implements Tokenizer {

    /** How a normal token's text turns into bytes. */
    enum PieceStyle {
        /** SentencePiece and WordPiece texts: {@code ▁} is a space. */
        SPACE_MARK,
        /** Byte-level BPE texts: each character is one byte in GPT-2's alphabet. */
        BYTE_LEVEL
    }

    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocab;
    private final TextEncoder encoder;
    private final PieceStyle pieceStyle;
    private final int[] addedFirst;
    private final int[] addedLast;

    GgufTokenizer(Vocabulary vocab, TextEncoder encoder, PieceStyle pieceStyle, int[] addedFirst, int[] addedLast) {
        this.vocab = vocab;
        this.encoder = encoder;
        this.pieceStyle = pieceStyle;
        this.addedFirst = addedFirst.clone();
        this.addedLast = addedLast.clone();
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String input = withoutLoneSurrogates(text);
        IntList out = new IntList(input.length() / 3 + 4);
        if (addSpecial) {
            for (int token : addedFirst) out.add(token);
        }
        boolean afterSpecialOrStart = true;
        for (Fragment fragment : SpecialTokenSplitter.split(vocab, input, parseSpecial)) {
            if (fragment.isToken()) {
                out.add(fragment.token());
                afterSpecialOrStart = true;
            } else {
                encoder.encode(input.substring(fragment.start(), fragment.end()), afterSpecialOrStart, out);
                afterSpecialOrStart = false;
            }
        }
        if (addSpecial) {
            for (int token : addedLast) out.add(token);
        }
        return out.toArray();
    }

    @Override
    public byte[] piece(int token, boolean special) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token " + token + " is not in the vocabulary of " + vocab.size());
        }
        String text = vocab.text(token);
        if (vocab.has(token, Vocabulary.UNKNOWN | Vocabulary.CONTROL | Vocabulary.USER_DEFINED)) {
            boolean hidden = !special && vocab.has(token, Vocabulary.UNKNOWN | Vocabulary.CONTROL);
            return hidden ? EMPTY : text.getBytes(StandardCharsets.UTF_8);
        }
        if (vocab.has(token, Vocabulary.NORMAL)) {
            return switch (pieceStyle) {
                case SPACE_MARK -> text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                case BYTE_LEVEL -> byteLevelBytes(text);
            };
        }
        if (vocab.has(token, Vocabulary.BYTE)) {
            return new byte[] {(byte) hexByte(text)};
        }
        return EMPTY; // unused and undefined tokens render as nothing
    }

    @Override
    public int bos() {
        return vocab.bos();
    }

    @Override
    public int eos() {
        return vocab.eos();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return vocab.isEndOfGeneration(token);
    }

    @Override
    public boolean isControl(int token) {
        return token >= 0 && token < vocab.size() && vocab.has(token, Vocabulary.CONTROL);
    }

    /**
     * A byte-level text's bytes. A character outside the alphabet becomes, as in llama.cpp,
     * {@code [UNK_BYTE_0x<its UTF-8 in hex><the whole text>]}.
     */
    private static byte[] byteLevelBytes(String text) {
        var out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cpt -> {
            int b = ByteLevel.byteOf(cpt);
            if (b >= 0) {
                out.write(b);
            } else {
                String hex = HexFormat.of().formatHex(Character.toString(cpt).getBytes(StandardCharsets.UTF_8));
                out.writeBytes(("[UNK_BYTE_0x" + hex + text + "]").getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    /** The byte of a {@code <0xNN>} token, parsed as C's strtol would (0 when it is not hex). */
    private static int hexByte(String text) {
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) break;
            value = value * 16 + digit;
        }
        return value;
    }

    /** A lone surrogate has no UTF-8 form; llama.cpp reads invalid UTF-8 as U+FFFD, and so does this. */
    private static String withoutLoneSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                int[] cpts = text.codePoints().map(c -> c <= 0xFFFF && Character.isSurrogate((char) c) ? 0xFFFD : c).toArray();
                return new String(cpts, 0, cpts.length);
            }
        }
        return text;
    }
}
