package io.localgate.gateway.api;

import io.localgate.backend.SamplingParams;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.generation.TextGeneration;
import io.localgate.gateway.registry.ServingModel;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Flux;

/**
 * A generation whose prompt is tokenized and known to fit the context, ready to run.
 *
 * @param maxTokens the most tokens to generate
 */
record PreparedGeneration(ServingModel model, int[] prompt, SamplingParams sampling, int maxTokens, List<String> stops) {

    /**
     * Checks that the prompt plus the tokens asked for fit the model's context: never truncated silently.
     * Without {@code max_tokens} the generation may run to the end of the context.
     *
     * @param promptParam the request field that carries the prompt, for errors ({@code messages}, {@code prompt})
     */
    static PreparedGeneration of(ServingModel model, int[] prompt, GenerationOptions options, String promptParam) {
        if (prompt.length == 0) {
            throw ApiException.invalidRequest(promptParam, "invalid_value",
                    "The prompt is empty after tokenization and the model adds no BOS token; send some text.");
        }
        int context = model.model().contextSize();
        Integer requested = options.maxTokens();
        if (requested == null ? prompt.length >= context : (long) prompt.length + requested > context) {
            int completion = requested == null ? 1 : requested;
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiException.INVALID_REQUEST, promptParam, "context_length_exceeded",
                    "This model's maximum context length is " + context + " tokens. However, you requested "
                            + (prompt.length + completion) + " tokens (" + prompt.length + " in the " + promptParam + ", "
                            + completion + " in the completion). Please reduce the length of the " + promptParam
                            + " or completion.");
        }
        int maxTokens = requested != null ? requested : context - prompt.length;
        return new PreparedGeneration(model, prompt, options.toSamplingParams(() -> ThreadLocalRandom.current().nextLong()),
                maxTokens, options.stopOrEmpty());
    }

    Flux<GenerationEvent> run() {
        return TextGeneration.run(model.model(), prompt, sampling, maxTokens, stops);
    }
}
