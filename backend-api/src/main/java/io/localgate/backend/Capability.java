package io.localgate.backend;

/** What a model can be asked to do. */
public enum Capability {
    /** Free text continuation ({@code /v1/completions}). */
    COMPLETION,
    /** Conversations through a chat template ({@code /v1/chat/completions}). */
    CHAT,
    /** Vector embeddings ({@code /v1/embeddings}). */
    EMBEDDINGS
}
