package io.localgate.gateway.fake;

import io.localgate.backend.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Byte tokens 0..255, then BOS, EOS and two ChatML control tokens; BOS added by {@code addSpecial}. */
public final class FakeTokenizer implements Tokenizer {

    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int IM_START = 258;
    public static final int IM_END = 259;
    public static final int VOCAB_SIZE = 260;
    public static final String BOS_TEXT = "<s>";
    public static final String EOS_TEXT = "</s>";
    private static final List<String> SPECIALS = List.of(BOS_TEXT, EOS_TEXT, "<|im_start|>", "<|im_end|>");

    private final Set<String> encodeThreads = ConcurrentHashMap.newKeySet();

    /** The names of the threads {@link #encode} ran on: tokenizing must never block an event loop. */
    public Set<String> encodeThreads() {
        return Set.copyOf(encodeThreads);
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        encodeThreads.add(Thread.currentThread().getName());
        var tokens = new ArrayList<Integer>();
        if (addSpecial) tokens.add(BOS);
        int i = 0;
        outer:
        while (i < text.length()) {
            if (parseSpecial) {
                for (int s = 0; s < SPECIALS.size(); s++) {
                    if (text.startsWith(SPECIALS.get(s), i)) {
                        tokens.add(BOS + s);
                        i += SPECIALS.get(s).length();
                        continue outer;
                    }
                }
            }
            int end = text.offsetByCodePoints(i, 1);
            for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) tokens.add(b & 0xFF);
            i = end;
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] piece(int token, boolean special) {
        if (token < BOS) return new byte[] {(byte) token};
        return special ? SPECIALS.get(token - BOS).getBytes(StandardCharsets.UTF_8) : new byte[0];
    }

    /** The prompt as text, special tokens spelt out: what a test compares a rendered prompt with. */
    public String text(int[] tokens) {
        var out = new ByteArrayOutputStream();
        for (int token : tokens) out.writeBytes(piece(token, true));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == EOS || token == IM_END;
    }

    @Override
    public boolean isControl(int token) {
        return token >= BOS;
    }
}
