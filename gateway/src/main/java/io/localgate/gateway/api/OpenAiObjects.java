package io.localgate.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI API's response objects, as they go on the wire. The {@code logprobs} fields are null unless
 * asked for, but present, as the API defines them.
 */
public final class OpenAiObjects {

    private OpenAiObjects() {
    }

    public record ErrorEnvelope(ErrorBody error) {
    }

    /** {@code code} and {@code param} are null when there is nothing to say, but always present. */
    public record ErrorBody(String message, String type, String param, String code) {
    }

    /**
     * @param capabilities what the model can be asked to do ({@code completion}, {@code chat}, {@code embeddings}),
     *                     in the manner of Ollama and LocalAI; empty for a model that cannot serve
     */
    public record ModelObject(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
                              @JsonInclude(JsonInclude.Include.NON_NULL) List<String> capabilities) {
        public ModelObject(String id, long created, List<String> capabilities) {
            this(id, "model", created, "localgate", capabilities);
        }

        public ModelObject(String id, long created) {
            this(id, created, null);
        }
    }

    public record ModelList(String object, List<ModelObject> data) {
        public ModelList(List<ModelObject> data) {
            this("list", data);
        }
    }

    /** Token counts; {@code prompt_tokens_details.cached_tokens}: prompt tokens reused from the cache (as OpenAI and vLLM report). */
    public record Usage(
            @JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("total_tokens") int totalTokens,
            @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails) {

        public Usage(int promptTokens, int completionTokens) {
            this(promptTokens, completionTokens, 0);
        }

        public Usage(int promptTokens, int completionTokens, int cachedTokens) {
            this(promptTokens, completionTokens, promptTokens + completionTokens, new PromptTokensDetails(cachedTokens));
        }

        public Usage plus(Usage other) {
            return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                    promptTokensDetails.cachedTokens() + other.promptTokensDetails.cachedTokens());
        }
    }

    public record PromptTokensDetails(@JsonProperty("cached_tokens") int cachedTokens) {
    }

    public record ChatCompletion(String id, String object, long created, String model, List<ChatChoice> choices, Usage usage) {
        public ChatCompletion(String id, long created, String model, List<ChatChoice> choices, Usage usage) {
            this(id, "chat.completion", created, model, choices, usage);
        }
    }

    public record ChatChoice(int index, AssistantMessage message, ChatLogprobs logprobs,
                             @JsonProperty("finish_reason") String finishReason) {
    }

    /** {@code content} is null when the message only calls tools; {@code tool_calls} is left out when there are none. */
    public record AssistantMessage(String role, String content, String refusal,
                                   @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("tool_calls") List<ToolCallObject> toolCalls) {
        public AssistantMessage(String content) {
            this("assistant", content, null, List.of());
        }
    }

    public record ToolCallObject(String id, String type, FunctionCall function) {
        public ToolCallObject(String id, String name, String arguments) {
            this(id, "function", new FunctionCall(name, arguments));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FunctionCall(String name, String arguments) {
    }

    /** A piece of a tool call in a stream: the first has id, type and name; later ones add argument text. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCallDelta(int index, String id, String type, FunctionCall function) {
    }

    /** A chat choice's log-probabilities: one entry per generated token. */
    public record ChatLogprobs(List<TokenLogprobEntry> content, Object refusal) {
        public ChatLogprobs(List<TokenLogprobEntry> content) {
            this(content, null);
        }
    }

    public record TokenLogprobEntry(String token, double logprob, List<Integer> bytes,
                                    @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs) {
    }

    public record TopLogprob(String token, double logprob, List<Integer> bytes) {
    }

    /** A text completion choice's log-probabilities, in the legacy shape. */
    public record CompletionLogprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
                                     @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs,
                                     @JsonProperty("text_offset") List<Integer> textOffset) {
    }

    /** A streamed piece; {@code usage} only on the last chunk, when the client asked for it. */
    public record ChatCompletionChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
                                      @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
        public ChatCompletionChunk(String id, long created, String model, List<ChunkChoice> choices, Usage usage) {
            this(id, "chat.completion.chunk", created, model, choices, usage);
        }
    }

    public record ChunkChoice(int index, Delta delta, ChatLogprobs logprobs, @JsonProperty("finish_reason") String finishReason) {
    }

    /** What a chunk adds to the message: fields that are null are left out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls) {
        public Delta(String role, String content) {
            this(role, content, null);
        }
    }

    /** A {@code text_completion}, streamed or not; streamed ones carry {@code usage} only in the last chunk. */
    public record TextCompletion(String id, String object, long created, String model, List<TextChoice> choices,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
        public TextCompletion(String id, long created, String model, List<TextChoice> choices, Usage usage) {
            this(id, "text_completion", created, model, choices, usage);
        }
    }

    public record TextChoice(String text, int index, CompletionLogprobs logprobs, @JsonProperty("finish_reason") String finishReason) {
    }

    /** {@code POST /v1/embeddings}: one entry per input, in order. */
    public record EmbeddingList(String object, List<EmbeddingObject> data, String model, EmbeddingUsage usage) {
        public EmbeddingList(List<EmbeddingObject> data, String model, EmbeddingUsage usage) {
            this("list", data, model, usage);
        }
    }

    /** @param embedding a {@code float[]}, or a base64 string of little-endian float32 values */
    public record EmbeddingObject(String object, int index, Object embedding) {
        public EmbeddingObject(int index, Object embedding) {
            this("embedding", index, embedding);
        }
    }

    public record EmbeddingUsage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("total_tokens") int totalTokens) {
    }
}
