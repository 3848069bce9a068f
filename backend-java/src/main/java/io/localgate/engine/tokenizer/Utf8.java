package io.localgate.engine.tokenizer;

/**
 * The UTF-8 bytes of a code point sequence, with the byte offset where each code point starts
 * ({@code offsets[cpts.length]} is the total length).
 */
record Utf8(byte[] bytes, int[] offsets) {

    static Utf8 of(int[] cpts) {
        int[] offsets = new int[cpts.length + 1];
        int size = 0;
        for (int i = 0; i < cpts.length; i++) {
            offsets[i] = size;
            size += length(cpts[i]);
        }
        offsets[cpts.length] = size;
        byte[] bytes = new byte[size];
        for (int i = 0; i < cpts.length; i++) write(cpts[i], bytes, offsets[i]);
        return new Utf8(bytes, offsets);
    }

    private static int length(int cpt) {
        return cpt < 0x80 ? 1 : cpt < 0x800 ? 2 : cpt < 0x10000 ? 3 : 4;
    }

    private static void write(int cpt, byte[] out, int at) {
        switch (length(cpt)) {
            case 1 -> out[at] = (byte) cpt;
            case 2 -> {
                out[at] = (byte) (0xC0 | (cpt >> 6));
                out[at + 1] = (byte) (0x80 | (cpt & 0x3F));
            }
            case 3 -> {
                out[at] = (byte) (0xE0 | (cpt >> 12));
                out[at + 1] = (byte) (0x80 | ((cpt >> 6) & 0x3F));
                out[at + 2] = (byte) (0x80 | (cpt & 0x3F));
            }
            default -> {
                out[at] = (byte) (0xF0 | (cpt >> 18));
                out[at + 1] = (byte) (0x80 | ((cpt >> 12) & 0x3F));
                out[at + 2] = (byte) (0x80 | ((cpt >> 6) & 0x3F));
                out[at + 3] = (byte) (0x80 | (cpt & 0x3F));
            }
        }
    }
}
