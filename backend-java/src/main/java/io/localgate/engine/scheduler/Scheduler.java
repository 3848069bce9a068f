package io.localgate.engine.scheduler;

import io.localgate.backend.FinishReason;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.TokenPublisher;
import io.localgate.engine.grammar.Grammar;
import io.localgate.engine.grammar.GrammarMatcher;
import io.localgate.engine.grammar.TokenTrie;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.model.Batch;
import io.localgate.engine.model.Logits;
import io.localgate.engine.model.Transformer;
import io.localgate.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * The one loop that owns a model's compute. Sequences wait in a queue until one of the cache's slots is
 * free; every step then gathers one batch: a decode row for each generating sequence, then prompt rows of
 * the sequences being prefilled, in chunks, up to {@code stepTokens} rows. One forward pass, then one
 * sampled token for each sequence that produced logits. Sequences join and leave between steps;
 * a cancelled one gives up its slot before the next step.
 *
 * <p>A failure in a step fails the sequences that had rows in it, never the loop or other sequences.
 */
public final class Scheduler implements AutoCloseable {

    private final String name;
    private final Transformer model;
    private final KvCache cache;
    private final IntPredicate endOfGeneration;
    private final int stepTokens;
    private final int vocabSize;
    /** The vocabulary as a trie, for the requests with a grammar; null when the model takes none. */
    private final Supplier<TokenTrie> tokenTrie;
    private final Batch batch;
    private final float[] row;
    private final boolean[] slotBusy;
    private final List<Sequence> running = new ArrayList<>();
    private final LinkedBlockingQueue<Sequence> waiting = new LinkedBlockingQueue<>();
    private final Thread loop;
    private volatile boolean closed;
    private volatile int active;

    /**
     * @param endOfGeneration tokens that end a generation (the tokenizer's EOS, EOT, ...)
     * @param stepTokens      the most rows in one step; at least the number of slots
     */
    public Scheduler(String name, Transformer model, KvCache cache, IntPredicate endOfGeneration, int stepTokens) {
        this(name, model, cache, endOfGeneration, stepTokens, null);
    }

    /** @param tokenTrie the vocabulary as a trie (built on first use) for requests with a grammar; null: none accepted */
    public Scheduler(String name, Transformer model, KvCache cache, IntPredicate endOfGeneration, int stepTokens, Supplier<TokenTrie> tokenTrie) {
        if (stepTokens < cache.slots() || stepTokens > model.maxRows()) {
            throw new IllegalArgumentException("step of " + stepTokens + " rows for " + cache.slots() + " slots and a model batch of " + model.maxRows());
        }
        if (model.maxOutputs() < cache.slots()) throw new IllegalArgumentException("the model gives logits for fewer rows than there are slots");
        this.name = name;
        this.model = model;
        this.cache = cache;
        this.endOfGeneration = endOfGeneration;
        this.stepTokens = stepTokens;
        this.vocabSize = model.config().vocabSize();
        this.tokenTrie = tokenTrie;
        this.batch = new Batch(stepTokens);
        this.row = new float[vocabSize];
        this.slotBusy = new boolean[cache.slots()];
        this.loop = Thread.ofPlatform().daemon().name("localgate-" + name + "-loop").start(this::run);
    }

    /**
     * Queues a generation; it starts when subscribed to and a slot is free.
     *
     * @throws IllegalArgumentException when a prompt token is out of the vocabulary, the prompt does not fit the context
     *                                  or the grammar does not parse
     * @throws IllegalStateException    when the scheduler is closed
     */
    public Generation submit(GenerationRequest request) {
        if (closed) throw new IllegalStateException("model " + name + " is closed");
        request.requireFits(cache.contextSize(), vocabSize);
        if (request.grammar() != null && tokenTrie == null) throw new IllegalArgumentException("model " + name + " takes no grammar");
        Grammar grammar = request.grammar() == null ? null : Grammar.parse(request.grammar());
        var sequence = new Sequence(request);
        sequence.grammar = grammar;
        sequence.publisher = new TokenPublisher(() -> enqueue(sequence), () -> waiting.remove(sequence));
        return sequence.publisher;
    }

    /** Sequences holding a slot. */
    public int active() {
        return active;
    }

    /** Sequences waiting for a slot. */
    public int queued() {
        return waiting.size();
    }

    private void enqueue(Sequence sequence) {
        waiting.add(sequence);
        if (closed && waiting.remove(sequence)) sequence.publisher.fail(closedError());
    }

    private void run() {
        try {
            while (!closed) {
                releaseCancelled();
                admit();
                if (!running.isEmpty()) step();
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /** Fills free slots from the queue; waits for work when nothing runs. */
    private void admit() throws InterruptedException {
        while (active < slotBusy.length) {
            Sequence next = running.isEmpty() ? waiting.take() : waiting.poll();
            if (next == null) return;
            if (next.publisher.isCancelled()) continue;
            start(next);
        }
    }

    private void start(Sequence sequence) {
        int slot = 0;
        while (slotBusy[slot]) slot++;
        slotBusy[slot] = true;
        active++;
        sequence.slot = slot;
        cache.clear(slot);
        running.add(sequence);
        try {
            GrammarMatcher matcher = sequence.grammar == null ? null : new GrammarMatcher(sequence.grammar, tokenTrie.get());
            sequence.sampler = new Sampler(sequence.request.sampling(), vocabSize, sequence.prompt, matcher);
        } catch (RuntimeException e) {
            fail(sequence, e);
            return;
        }
        if (sequence.request.maxTokens() == 0) finish(sequence, FinishReason.LENGTH);
    }

    private void step() {
        batch.clear();
        for (Sequence s : running) {
            s.output = -1;
            if (!s.prefilling()) s.output = batch.add(s.lastToken, s.nextPosition(), s.slot, true);
        }
        for (Sequence s : running) {
            if (!s.prefilling()) continue;
            int end = Math.min(s.prompt.length, s.prefilled + stepTokens - batch.size());
            for (; s.prefilled < end; s.prefilled++) {
                boolean last = s.prefilled == s.prompt.length - 1;
                int output = batch.add(s.prompt[s.prefilled], s.prefilled, s.slot, last);
                if (last) s.output = output;
            }
        }
        Logits logits;
        try {
            logits = model.forward(batch, cache);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            for (Sequence s : List.copyOf(running)) {
                if (batchHas(s.slot)) fail(s, e);
            }
            return;
        }
        for (Sequence s : List.copyOf(running)) {
            if (s.output >= 0) sampleAndEmit(s, logits);
        }
    }

    private void sampleAndEmit(Sequence s, Logits logits) {
        try {
            logits.copyRow(s.output, row);
            Sampler.Choice choice = s.sampler.sample(row, s.request.topLogprobs());
            s.generated++;
            s.lastToken = choice.token();
            s.publisher.emit(new TokenEvent.Token(choice.token(), choice.logprob(), choice.top()));
            if (endOfGeneration.test(choice.token()) || s.isStopToken(choice.token())) {
                finish(s, FinishReason.STOP);
            } else if (s.generated >= s.request.maxTokens() || s.prompt.length + s.generated >= cache.contextSize()) {
                finish(s, FinishReason.LENGTH);
            }
        } catch (RuntimeException e) {
            fail(s, e);
        }
    }

    /** Frees the slot first, so that a consumer reacting to the end finds it free. */
    private void finish(Sequence s, FinishReason reason) {
        release(s);
        s.publisher.emit(new TokenEvent.Finished(reason, s.prompt.length, 0, s.generated));
        s.publisher.complete();
    }

    private void fail(Sequence s, Throwable cause) {
        release(s);
        s.publisher.fail(new IllegalStateException("generation failed: " + cause.getMessage(), cause));
    }

    private void releaseCancelled() {
        for (Sequence s : List.copyOf(running)) {
            if (s.publisher.isCancelled()) release(s);
        }
    }

    private void release(Sequence s) {
        running.remove(s);
        cache.clear(s.slot);
        slotBusy[s.slot] = false;
        active--;
    }

    private boolean batchHas(int slot) {
        for (int i = 0; i < batch.size(); i++) {
            if (batch.slot(i) == slot) return true;
        }
        return false;
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("model " + name + " was closed");
    }

    /** Stops the loop; running and waiting generations end with an error. */
    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Sequence s : List.copyOf(running)) s.publisher.fail(closedError());
        running.clear();
        Sequence s;
        while ((s = waiting.poll()) != null) s.publisher.fail(closedError());
    }
}
