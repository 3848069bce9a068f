package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.CompletionLogprobs;
import io.localgate.gateway.api.OpenAiObjects.TextChoice;
import io.localgate.gateway.api.OpenAiObjects.TextCompletion;
import io.localgate.gateway.api.OpenAiObjects.Usage;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.generation.TokenLogprob;
import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.ServingModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/completions}: raw text continuation. Each prompt is tokenized as llama.cpp's server
 * does (special tokens parsed, BOS added when the model adds one), so greedy output equals llama.cpp's.
 * Several prompts run at once, {@code n} choices each; streamed chunks carry their choice's {@code index}.
 */
@Component
class CompletionsHandler {

    private final ModelRegistry registry;
    private final JsonMapper jsonMapper;

    CompletionsHandler(ModelRegistry registry, JsonMapper jsonMapper) {
        this.registry = registry;
        this.jsonMapper = jsonMapper;
    }

    /** One event of one prompt's generation. */
    private record Indexed(int index, GenerationEvent event) {
    }

    Mono<ServerResponse> create(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper)
                .map(CompletionRequest::read)
                .flatMap(completion -> Mono.fromSupplier(() -> registry.get(completion.model()))
                        .flatMap(model -> model.serve())
                        .publishOn(Schedulers.boundedElastic())
                        .map(model -> prepare(model, completion))
                        .flatMap(generations -> completion.stream()
                                ? stream(request, completion, generations)
                                : complete(completion, generations)));
    }

    /** {@code n} generations per prompt, prompt by prompt: choice {@code p * n + j} is prompt p's j-th. */
    private static List<PreparedGeneration> prepare(ServingModel model, CompletionRequest completion) {
        var options = completion.optionsOver(model.config().defaults());
        var tokenizer = model.model().tokenizer();
        List<PreparedGeneration> choices = new ArrayList<>();
        for (String prompt : completion.prompts()) {
            var generation = PreparedGeneration.of(model, tokenizer.encode(prompt, true, true), options, "prompt", completion.output());
            choices.addAll(generation.choices(completion.n(), options.seed() != null));
        }
        return choices;
    }

    private static String promptOf(CompletionRequest completion, int choice) {
        return completion.prompts().get(choice / completion.n());
    }

    /** Prompt tokens (and those of them cached) count once per prompt, from its first choice; completion tokens add up. */
    private static Usage addUsage(Usage usage, CompletionRequest completion, int choice, GenerationEvent.Done done) {
        boolean first = choice % completion.n() == 0;
        return usage.plus(new Usage(first ? done.promptTokens() : 0, done.completionTokens(), first ? done.cachedTokens() : 0));
    }

    /** The legacy logprobs of some tokens; offsets count from the start of the choice's text ({@code echo} included). */
    private static CompletionLogprobs logprobs(List<TokenLogprob> tokens, int offsetBase) {
        List<String> texts = new ArrayList<>(tokens.size());
        List<Double> values = new ArrayList<>(tokens.size());
        List<Map<String, Double>> tops = new ArrayList<>(tokens.size());
        List<Integer> offsets = new ArrayList<>(tokens.size());
        for (TokenLogprob token : tokens) {
            texts.add(token.token());
            values.add((double) token.logprob());
            Map<String, Double> top = new LinkedHashMap<>();
            for (TokenLogprob.Alternative alternative : token.top()) top.putIfAbsent(alternative.token(), (double) alternative.logprob());
            tops.add(top);
            offsets.add(offsetBase + token.textOffset());
        }
        return new CompletionLogprobs(texts, values, tops, offsets);
    }

    private static Flux<Indexed> runAll(List<PreparedGeneration> generations) {
        List<Flux<Indexed>> runs = new ArrayList<>(generations.size());
        for (int i = 0; i < generations.size(); i++) {
            int index = i;
            runs.add(generations.get(i).run().map(event -> new Indexed(index, event)));
        }
        // delayError: one prompt's failure must not drop the text of the others already generated
        return Flux.fromIterable(runs).flatMapDelayError(run -> run, runs.size(), 32);
    }

    private Mono<ServerResponse> complete(CompletionRequest completion, List<PreparedGeneration> generations) {
        return Mono.defer(() -> {
            int count = generations.size();
            var texts = new StringBuilder[count];
            var finishes = new String[count];
            List<List<TokenLogprob>> tokens = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                texts[i] = new StringBuilder(completion.echo() ? promptOf(completion, i) : "");
                tokens.add(new ArrayList<>());
            }
            var usage = new Usage[] {new Usage(0, 0)};
            return runAll(generations)
                    .doOnNext(indexed -> {
                        switch (indexed.event()) {
                            case GenerationEvent.Text piece -> {
                                texts[indexed.index()].append(piece.text());
                                tokens.get(indexed.index()).addAll(piece.logprobs());
                            }
                            case GenerationEvent.Done done -> {
                                finishes[indexed.index()] = done.finish().apiName();
                                usage[0] = addUsage(usage[0], completion, indexed.index(), done);
                            }
                        }
                    })
                    .then(Mono.defer(() -> {
                        List<TextChoice> choices = new ArrayList<>(count);
                        for (int i = 0; i < count; i++) {
                            CompletionLogprobs logprobs = !completion.output().logprobs() ? null
                                    : logprobs(tokens.get(i), completion.echo() ? promptOf(completion, i).length() : 0);
                            choices.add(new TextChoice(texts[i].toString(), i, logprobs, finishes[i]));
                        }
                        return ServerResponse.ok().bodyValue(
                                new TextCompletion(completionId(), now(), completion.model(), choices, usage[0]));
                    }));
        });
    }

    private Mono<ServerResponse> stream(ServerRequest request, CompletionRequest completion, List<PreparedGeneration> generations) {
        String id = completionId();
        long created = now();
        Flux<TextCompletion> chunks = Flux.defer(() -> {
            var usage = new Usage[] {new Usage(0, 0)};
            Flux<TextCompletion> echoes = !completion.echo() ? Flux.empty() : Flux.range(0, generations.size())
                    .map(i -> chunk(id, created, completion, i, promptOf(completion, i), null, null));
            Flux<TextCompletion> outputs = runAll(generations).map(indexed -> switch (indexed.event()) {
                case GenerationEvent.Text piece -> chunk(id, created, completion, indexed.index(), piece.text(),
                        !completion.output().logprobs() ? null : logprobs(piece.logprobs(),
                                completion.echo() ? promptOf(completion, indexed.index()).length() : 0), null);
                case GenerationEvent.Done done -> {
                    usage[0] = addUsage(usage[0], completion, indexed.index(), done);
                    yield chunk(id, created, completion, indexed.index(), "", null, done.finish().apiName());
                }
            });
            Mono<TextCompletion> usageChunk = !completion.includeUsage() ? Mono.empty() : Mono.fromSupplier(() ->
                    new TextCompletion(id, created, completion.model(), List.of(), usage[0]));
            return Flux.concat(echoes, outputs, usageChunk);
        });
        return ServerSentEvents.respond(request, chunks, jsonMapper);
    }

    private static TextCompletion chunk(String id, long created, CompletionRequest completion, int index, String text,
                                        CompletionLogprobs logprobs, String finish) {
        return new TextCompletion(id, created, completion.model(), List.of(new TextChoice(text, index, logprobs, finish)), null);
    }

    private static String completionId() {
        return "cmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
