package io.localgate.engine.tokenizer;

/** Encodes one stretch of plain text (no special tokens in it) with a vocabulary's algorithm. */
sealed interface TextEncoder permits SpmEncoder, BpeEncoder, WordPieceEncoder {

    /**
     * Appends the tokens of the text.
     *
     * @param afterSpecialOrStart whether the text starts the input or follows a special token (SPM then
     *                            prefixes a space when the vocabulary asks for one)
     */
    void encode(String text, boolean afterSpecialOrStart, IntList out);
}
