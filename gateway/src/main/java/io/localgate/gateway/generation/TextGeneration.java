package io.localgate.gateway.generation;

import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.SamplingParams;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
        return run(model, new GenerationRequest(prompt, sampling, maxTokens).withLogprobs(false), stops, false, Set.of());
    }

    /**
     * @param logprobs whether the text events carry each token's log-probability (with as many
     *                 alternatives as the request's {@code topLogprobs})
     * @param shown    control tokens whose text is output all the same (markers of tool calls)
     */
    public static Flux<GenerationEvent> run(LoadedModel model, GenerationRequest request, List<String> stops, boolean logprobs,
                                            Set<Integer> shown) {
        return Flux.defer(() -> {
            int promptTokens = request.prompt().length;
            var generation = model.submit(request);
            var decoder = new Decoder(model.tokenizer(), stops, promptTokens, logprobs, shown, generation);
            // delayError: a backend failure must not overtake the tokens generated before it, which
            // an operator's prefetch queue may still hold when the failure arrives. publishOn: the
            // backend emits on the model's loop thread, which must go on to its next step rather than
            // decode, serialize and write each stream's chunk (publishOn also delays errors)
            return JdkFlowAdapter.flowPublisherToFlux(generation)
                    .publishOn(Schedulers.parallel())
                    .transformDeferredContextual((tokens, context) -> GenerationObserver.watch(tokens, context, promptTokens))
                    .concatMapDelayError(event -> Flux.fromIterable(decoder.accept(event)))
                    .takeUntil(GenerationEvent.Done.class::isInstance)
                    .concatWith(Mono.defer(() -> decoder.done
                            ? Mono.empty()
                            : Mono.error(new IllegalStateException("the backend ended the generation without finishing it"))));
        });
    }

    /** How a piece of text is released: mid-generation, cut by a stop string, or at the natural end. */
    private enum Release { GOING, STOPPED, ENDED }

    /**
     * The per-generation state: bytes not yet whole characters, text that may start a stop string, counts,
     * and the log-probabilities of tokens whose text has not been released yet.
     */
    private static final class Decoder {

        private final Tokenizer tokenizer;
        private final Utf8Accumulator utf8 = new Utf8Accumulator();
        private final StopStrings stopStrings;
        private final int promptTokens;
        private final boolean logprobs;
        private final Set<Integer> shown;
        private final List<TokenLogprob> pending = new ArrayList<>();
        /** Read for its reused prompt tokens when a stop string ends the text before the backend's end. */
        private final Generation generation;
        /** Chars decoded so far (released or held back), and chars released. */
        private int decoded;
        private int released;
        private int generated;
        private boolean done;

        Decoder(Tokenizer tokenizer, List<String> stops, int promptTokens, boolean logprobs, Set<Integer> shown, Generation generation) {
            this.generation = generation;
            this.shown = shown;
            this.tokenizer = tokenizer;
            this.stopStrings = new StopStrings(stops);
            this.promptTokens = promptTokens;
            this.logprobs = logprobs;
        }

        List<GenerationEvent> accept(TokenEvent event) {
            List<GenerationEvent> out = new ArrayList<>(2);
            switch (event) {
                case TokenEvent.Token token -> {
                    generated++;
                    if (tokenizer.isEndOfGeneration(token.id())) break;
                    if (logprobs) pending.add(logprob(token));
                    String text = utf8.append(tokenizer.piece(token.id(), shown.contains(token.id())));
                    decoded += text.length();
                    var release = stopStrings.append(text);
                    addText(out, release.text(), release.stopped() ? Release.STOPPED : Release.GOING);
                    if (release.stopped()) {
                        done = true;
                        out.add(new GenerationEvent.Done(GenerationEvent.Finish.STOP, promptTokens, generated, generation.cachedTokens()));
                    }
                }
                case TokenEvent.Finished finished -> {
                    var finish = switch (finished.reason()) {
                        case STOP -> GenerationEvent.Finish.STOP;
                        case LENGTH -> GenerationEvent.Finish.LENGTH;
                        case CANCELLED -> throw new IllegalStateException("the backend cancelled the generation");
                    };
                    String text = utf8.flush();
                    decoded += text.length();
                    var release = stopStrings.append(text);
                    if (release.stopped()) {
                        finish = GenerationEvent.Finish.STOP;
                        addText(out, release.text(), Release.STOPPED);
                    } else {
                        addText(out, release.text() + stopStrings.flush(), Release.ENDED);
                    }
                    done = true;
                    out.add(new GenerationEvent.Done(finish, finished.promptTokens(), finished.generatedTokens(), finished.cachedTokens()));
                }
            }
            return out;
        }

        private TokenLogprob logprob(TokenEvent.Token token) {
            List<TokenLogprob.Alternative> top = new ArrayList<>(token.top().size());
            for (TokenEvent.Alternative alternative : token.top()) {
                top.add(TokenLogprob.Alternative.of(tokenizer.piece(alternative.id(), true), alternative.logprob()));
            }
            var chosen = TokenLogprob.Alternative.of(tokenizer.piece(token.id(), true), token.logprob());
            return new TokenLogprob(chosen.token(), chosen.bytes(), chosen.logprob(), decoded, top);
        }

        /**
         * Releases text with the log-probabilities of the tokens that begin in it. A stop string's tokens
         * are dropped with it; at a natural end every token left goes (one without text included).
         */
        private void addText(List<GenerationEvent> out, String text, Release release) {
            released += text.length();
            List<TokenLogprob> ready = List.of();
            if (!pending.isEmpty()) {
                int count = release == Release.ENDED ? pending.size() : 0;
                while (count < pending.size() && pending.get(count).textOffset() < released) count++;
                ready = List.copyOf(pending.subList(0, count));
                if (release == Release.GOING) pending.subList(0, count).clear();
                else pending.clear();
            }
            if (!text.isEmpty() || !ready.isEmpty()) out.add(new GenerationEvent.Text(text, ready));
        }
    }
}
