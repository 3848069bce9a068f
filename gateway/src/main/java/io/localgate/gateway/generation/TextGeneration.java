package io.localgate.gateway.generation;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one generation on a loaded model and turns its tokens into text: whole UTF-8 characters only,
 * end-of-generation tokens hidden, stop strings cut off. A stop string or a cancelled subscription
 * cancels the generation in the backend, which frees its sequence.
 */
public final class TextGeneration {

    private TextGeneration() {
    }

    /**
     * @param prompt    the prompt's token ids (not empty)
     * @param maxTokens the most tokens to generate
     * @param stops     stop strings, matched on the generated text
     * @return text events then one {@link GenerationEvent.Done}; nothing starts until subscribed
     */
    public static Flux<GenerationEvent> run(LoadedModel model, int[] prompt, SamplingParams sampling, int maxTokens,
                                            List<String> stops) {
        return Flux.defer(() -> {
            var decoder = new Decoder(model.tokenizer(), stops, prompt.length);
            var generation = model.submit(new GenerationRequest(prompt, sampling, maxTokens));
            // delayError: a backend failure must not overtake the tokens generated before it, which
            // an operator's prefetch queue may still hold when the failure arrives
            return JdkFlowAdapter.flowPublisherToFlux(generation)
                    .transformDeferredContextual((tokens, context) -> GenerationObserver.watch(tokens, context, prompt.length))
                    .concatMapDelayError(event -> Flux.fromIterable(decoder.accept(event)))
                    .takeUntil(GenerationEvent.Done.class::isInstance)
                    .concatWith(Mono.defer(() -> decoder.done
                            ? Mono.empty()
                            : Mono.error(new IllegalStateException("the backend ended the generation without finishing it"))));
        });
    }

    /** The per-generation state: bytes not yet whole characters, text that may start a stop string, counts. */
    private static final class Decoder {

        private final Tokenizer tokenizer;
        private final Utf8Accumulator utf8 = new Utf8Accumulator();
        private final StopStrings stopStrings;
        private final int promptTokens;
        private int generated;
        private boolean done;

        Decoder(Tokenizer tokenizer, List<String> stops, int promptTokens) {
            this.tokenizer = tokenizer;
            this.stopStrings = new StopStrings(stops);
            this.promptTokens = promptTokens;
        }

        List<GenerationEvent> accept(TokenEvent event) {
            List<GenerationEvent> out = new ArrayList<>(2);
            switch (event) {
                case TokenEvent.Token token -> {
                    generated++;
                    if (tokenizer.isEndOfGeneration(token.id())) break;
                    var released = stopStrings.append(utf8.append(tokenizer.piece(token.id(), false)));
                    addText(out, released.text());
                    if (released.stopped()) {
                        done = true;
                        out.add(new GenerationEvent.Done(GenerationEvent.Finish.STOP, promptTokens, generated));
                    }
                }
                case TokenEvent.Finished finished -> {
                    var finish = switch (finished.reason()) {
                        case STOP -> GenerationEvent.Finish.STOP;
                        case LENGTH -> GenerationEvent.Finish.LENGTH;
                        case CANCELLED -> throw new IllegalStateException("the backend cancelled the generation");
                    };
                    var released = stopStrings.append(utf8.flush());
                    addText(out, released.text());
                    if (released.stopped()) finish = GenerationEvent.Finish.STOP;
                    else addText(out, stopStrings.flush());
                    done = true;
                    out.add(new GenerationEvent.Done(finish, finished.promptTokens(), finished.generatedTokens()));
                }
            }
            return out;
        }

        private static void addText(List<GenerationEvent> out, String text) {
            if (!text.isEmpty()) out.add(new GenerationEvent.Text(text));
        }
    }
}
