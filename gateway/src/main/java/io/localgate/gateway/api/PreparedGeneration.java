package io.localgate.gateway.api;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.SamplingParams;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.generation.GenerationOptions;
import io.localgate.gateway.generation.TextGeneration;
import io.localgate.gateway.registry.ServingModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Flux;

/**
 * A generation whose prompt is tokenized and known to fit the context, ready to run.
 *
 * @param maxTokens the most tokens to generate
 * @param output    what besides text the request asks for
 */
record PreparedGeneration(ServingModel model, int[] prompt, SamplingParams sampling, int maxTokens, List<String> stops,
                          OutputOptions output) {

    /**
     * What a request asks of the output beyond the sampling options.
     *
     * @param logprobs    whether each token's log-probability is reported
     * @param topLogprobs how many alternatives each token reports
     * @param logitBias   token id to bias, as the API gives it (-100 bans the token)
     * @param grammar     GBNF the output must match, or null
     * @param shownTokens control tokens whose text is output (tool-call markers)
     */
    record OutputOptions(boolean logprobs, int topLogprobs, Map<Integer, Double> logitBias, String grammar,
                         Set<Integer> shownTokens) {

        OutputOptions {
            logitBias = Map.copyOf(logitBias);
            shownTokens = Set.copyOf(shownTokens);
        }

        OutputOptions(boolean logprobs, int topLogprobs, Map<Integer, Double> logitBias) {
            this(logprobs, topLogprobs, logitBias, null, Set.of());
        }

        OutputOptions with(String newGrammar, Set<Integer> newShownTokens) {
            return new OutputOptions(logprobs, topLogprobs, logitBias, newGrammar, newShownTokens);
        }
    }

    /** The OpenAI API's bias that bans a token outright. */
    private static final double BAN = -100;

    /**
     * Checks that the prompt plus the tokens asked for fit the model's context: never truncated silently.
     * Without {@code max_tokens} the generation may run to the end of the context.
     *
     * @param promptParam the request field that carries the prompt, for errors ({@code messages}, {@code prompt})
     */
    static PreparedGeneration of(ServingModel model, int[] prompt, GenerationOptions options, String promptParam,
                                 OutputOptions output) {
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
        SamplingParams sampling = options.toSamplingParams(() -> ThreadLocalRandom.current().nextLong());
        if (!output.logitBias().isEmpty()) {
            var bias = backendBias(output.logitBias(), model.model().tokenizer().vocabSize());
            sampling = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.minP(),
                    sampling.seed(), sampling.repeatPenalty(), sampling.penaltyLastN(), sampling.presencePenalty(),
                    sampling.frequencyPenalty(), bias);
        }
        return new PreparedGeneration(model, prompt, sampling, maxTokens, options.stopOrEmpty(), output);
    }

    private static Map<Integer, Float> backendBias(Map<Integer, Double> bias, int vocabSize) {
        Map<Integer, Float> out = new HashMap<>();
        bias.forEach((token, value) -> {
            if (token >= vocabSize) {
                throw ApiException.invalidRequest("logit_bias", "invalid_value",
                        "logit_bias names token " + token + ", outside the model's vocabulary (0.." + (vocabSize - 1) + ").");
            }
            out.put(token, value <= BAN ? Float.NEGATIVE_INFINITY : value.floatValue());
        });
        return out;
    }

    /**
     * {@code n} generations of this prompt. With a seed, choice {@code i} samples with seed + i (so each is
     * reproducible and they differ); without one, each draws its own random seed.
     */
    List<PreparedGeneration> choices(int n, boolean seeded) {
        List<PreparedGeneration> choices = new ArrayList<>(n);
        choices.add(this);
        for (int i = 1; i < n; i++) {
            long seed = seeded ? sampling.seed() + i : ThreadLocalRandom.current().nextLong();
            choices.add(new PreparedGeneration(model, prompt, sampling.withSeed(seed), maxTokens, stops, output));
        }
        return choices;
    }

    Flux<GenerationEvent> run() {
        var request = new GenerationRequest(prompt, sampling, maxTokens, output.logprobs() ? output.topLogprobs() : 0, new int[0],
                output.grammar(), output.logprobs());
        return TextGeneration.run(model.model(), request, stops, output.logprobs(), output.shownTokens());
    }
}
