package io.localgate.gateway.api;

import io.localgate.gateway.api.OpenAiObjects.ChatChoice;
import io.localgate.gateway.api.OpenAiObjects.ChatCompletion;
import io.localgate.gateway.api.OpenAiObjects.ChatCompletionChunk;
import io.localgate.gateway.api.OpenAiObjects.ChunkChoice;
import io.localgate.gateway.api.OpenAiObjects.Delta;
import io.localgate.gateway.api.OpenAiObjects.Usage;
import io.localgate.gateway.generation.GenerationEvent;
import io.localgate.gateway.prompt.ChatFormat;
import io.localgate.gateway.registry.ModelRegistry;
import io.localgate.gateway.registry.ServingModel;
import io.localgate.gateway.tools.Tool;
import io.localgate.gateway.tools.ToolCallGrammar;
import io.localgate.gateway.tools.ToolCallParser;
import io.localgate.gateway.tools.ToolChoice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions}. The model loads, the template renders and the prompt tokenizes on
 * bounded-elastic threads, never on the event loop; tokens then arrive on the backend's threads. The
 * {@code n} choices run at once, each its own generation of the same prompt (the backends share the
 * prompt's KV through prefix reuse); streamed chunks of different choices interleave, told apart by index.
 */
@Component
class ChatCompletionsHandler {

    private final ModelRegistry registry;
    private final JsonMapper jsonMapper;

    ChatCompletionsHandler(ModelRegistry registry, JsonMapper jsonMapper) {
        this.registry = registry;
        this.jsonMapper = jsonMapper;
    }

    /** A chat prepared to run: its choices and what reads their output. */
    private record PreparedChat(ChatCompletionRequest request, ChatFormat format, List<PreparedGeneration> choices) {

        ChatChoiceOutput newOutput() {
            var tools = request.tools();
            boolean bare = tools.forced() && ToolCallGrammar.bare(format.toolCallFormat(), format.toolCallTokens().isEmpty());
            ToolCallParser parser = !tools.callsPossible() ? null : new ToolCallParser(format.toolCallFormat(),
                    tools.callable().stream().map(Tool::name).collect(Collectors.toSet()), tools.parallel(), bare);
            return new ChatChoiceOutput(parser, request.output().logprobs());
        }
    }

    /** One event of one choice's generation. */
    private record Indexed(int index, GenerationEvent event) {
    }

    Mono<ServerResponse> create(ServerRequest request) {
        return JsonRequestBody.read(request, jsonMapper)
                .map(ChatCompletionRequest::read)
                .flatMap(chat -> Mono.fromSupplier(() -> registry.get(chat.model()))
                        .flatMap(model -> model.serve())
                        .publishOn(Schedulers.boundedElastic())
                        .map(model -> prepare(model, chat))
                        .flatMap(prepared -> chat.stream() ? stream(request, prepared) : complete(prepared)));
    }

    private PreparedChat prepare(ServingModel model, ChatCompletionRequest chat) {
        ChatFormat format = model.chat();
        var tools = chat.tools();
        // with tool_choice none the model is not told of the tools, so that it does not call them
        List<Tool> shownTools = tools.choice() instanceof ToolChoice.None ? List.of() : tools.tools();
        int[] prompt = format.tokenize(chat.messages(), shownTools);
        String grammar = OutputGrammars.forChat(chat, format);
        Set<Integer> shownTokens = tools.callsPossible() ? format.toolCallTokens() : Set.of();
        var options = chat.options().orElse(model.config().defaults());
        var generation = PreparedGeneration.of(model, prompt, options, "messages", chat.output().with(grammar, shownTokens));
        return new PreparedChat(chat, format, generation.choices(chat.n(), options.seed() != null));
    }

    private static Flux<Indexed> runAll(List<PreparedGeneration> choices) {
        List<Flux<Indexed>> runs = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            int index = i;
            runs.add(choices.get(i).run().map(event -> new Indexed(index, event)));
        }
        // delayError: one choice's failure must not drop the text of the others already generated
        return Flux.fromIterable(runs).flatMapDelayError(run -> run, runs.size(), 32);
    }

    private Mono<ServerResponse> complete(PreparedChat chat) {
        return Mono.defer(() -> {
            int n = chat.choices().size();
            var outputs = new ChatChoiceOutput[n];
            var finishes = new String[n];
            for (int i = 0; i < n; i++) outputs[i] = chat.newOutput();
            var usage = new Usage[] {new Usage(0, 0)};
            return runAll(chat.choices())
                    .doOnNext(indexed -> {
                        var output = outputs[indexed.index()];
                        switch (indexed.event()) {
                            case GenerationEvent.Text text -> output.accept(text);
                            case GenerationEvent.Done done -> {
                                output.finish();
                                finishes[indexed.index()] = output.finishReason(done);
                                usage[0] = addUsage(usage[0], indexed.index(), done);
                            }
                        }
                    })
                    .then(Mono.defer(() -> {
                        List<ChatChoice> choices = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            choices.add(new ChatChoice(i, outputs[i].message(), outputs[i].logprobs(), finishes[i]));
                        }
                        return ServerResponse.ok().bodyValue(
                                new ChatCompletion(completionId(), now(), chat.request().model(), choices, usage[0]));
                    }));
        });
    }

    /** The choices share one prompt: it (and what of it was cached) counts once, from the first choice; completion tokens add up. */
    private static Usage addUsage(Usage usage, int choice, GenerationEvent.Done done) {
        boolean first = choice == 0;
        return usage.plus(new Usage(first ? done.promptTokens() : 0, done.completionTokens(), first ? done.cachedTokens() : 0));
    }

    private Mono<ServerResponse> stream(ServerRequest request, PreparedChat chat) {
        String id = completionId();
        long created = now();
        String model = chat.request().model();
        Flux<ChatCompletionChunk> chunks = Flux.defer(() -> {
            int n = chat.choices().size();
            var outputs = new ChatChoiceOutput[n];
            for (int i = 0; i < n; i++) outputs[i] = chat.newOutput();
            var usage = new Usage[] {new Usage(0, 0)};
            Flux<ChatCompletionChunk> roles = Flux.range(0, n)
                    .map(i -> chunk(id, created, model, i, new ChatChoiceOutput.Step(new Delta("assistant", ""), null), null));
            // delayError: a failure must reach the client after the text generated before it (see TextGeneration)
            Flux<ChatCompletionChunk> rest = runAll(chat.choices()).concatMapDelayError(indexed -> {
                int index = indexed.index();
                var output = outputs[index];
                List<ChatCompletionChunk> out = new ArrayList<>();
                switch (indexed.event()) {
                    case GenerationEvent.Text text -> {
                        for (var step : output.accept(text)) out.add(chunk(id, created, model, index, step, null));
                    }
                    case GenerationEvent.Done done -> {
                        for (var step : output.finish()) out.add(chunk(id, created, model, index, step, null));
                        usage[0] = addUsage(usage[0], index, done);
                        out.add(chunk(id, created, model, index, new ChatChoiceOutput.Step(new Delta(null, null), null),
                                output.finishReason(done)));
                    }
                }
                return Flux.fromIterable(out);
            });
            Mono<ChatCompletionChunk> usageChunk = !chat.request().includeUsage() ? Mono.empty() : Mono.fromSupplier(() ->
                    new ChatCompletionChunk(id, created, model, List.of(), usage[0]));
            return Flux.concat(roles, rest, usageChunk);
        });
        return ServerSentEvents.respond(request, chunks, jsonMapper);
    }

    private static ChatCompletionChunk chunk(String id, long created, String model, int index, ChatChoiceOutput.Step step,
                                             String finishReason) {
        return new ChatCompletionChunk(id, created, model, List.of(new ChunkChoice(index, step.delta(), step.logprobs(), finishReason)),
                null);
    }

    private static String completionId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
