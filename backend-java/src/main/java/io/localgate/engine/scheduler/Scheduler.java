package io.localgate.engine.scheduler;

import io.localgate.backend.FinishReason;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.ModelStats;
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
 * <p>Prefix reuse: a slot keeps its keys and values when its sequence ends, and remembers their tokens.
 * A new sequence finds the slot holding the longest start of its prompt and computes only the rest: in
 * that slot when it is free and holds nothing more, else in the least recently used free slot, copying. When a sequence being
 * prefilled will cache more of the prompt (the same prompt submitted several times at once), the new
 * one waits for it and then copies. The last prompt token is always computed: its logits give the first
 * output token.
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
    /** The running sequence of each slot, or null. */
    private final Sequence[] owners;
    /** The tokens whose keys and values each slot holds (the first {@code cache.length(slot)} are valid). */
    private final int[][] slotTokens;
    /** When each slot was last given up, in releases: the least recently used free slot is overwritten first. */
    private final long[] releasedAt;
    private long releases;
    private final List<Sequence> running = new ArrayList<>();
    private final LinkedBlockingQueue<Sequence> waiting = new LinkedBlockingQueue<>();
    private final Thread loop;
    private volatile boolean closed;
    // figures for stats(): written by the loop only, read from any thread
    private volatile int active;
    private volatile long kvTokensUsed;
    private volatile long steps;
    private volatile long batchRows;
    private volatile long promptTokensReused;

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
        this.owners = new Sequence[cache.slots()];
        this.slotTokens = new int[cache.slots()][cache.contextSize()];
        this.releasedAt = new long[cache.slots()];
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
        var sequence = new Sequence(request);
        // Parsed, and the vocabulary's trie built on the model's first grammar request, here on the caller's
        // thread: on the loop thread they would hold up every other sequence's next step.
        if (request.grammar() != null) sequence.matcher = new GrammarMatcher(Grammar.parse(request.grammar()), tokenTrie.get());
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

    public ModelStats stats() {
        return new ModelStats(waiting.size(), active, owners.length, kvTokensUsed, (long) owners.length * cache.contextSize(),
                steps, batchRows, promptTokensReused);
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
                copyFromLeaders();
                if (!running.isEmpty()) step();
                countKvTokens();
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /** Fills free slots from the queue; waits for work when nothing runs. */
    private void admit() throws InterruptedException {
        while (active < owners.length) {
            Sequence next = running.isEmpty() ? waiting.take() : waiting.poll();
            if (next == null) return;
            if (next.publisher.isCancelled()) continue;
            start(next);
        }
    }

    private void start(Sequence s) {
        int reusable = s.prompt.length - 1; // the last prompt token is computed for its logits
        // the free slot holding most of the prompt, the least recently used on a tie
        int slot = -1;
        int inPlace = -1;
        for (int i = 0; i < owners.length; i++) {
            if (owners[i] != null) continue;
            int cached = Math.min(reusable, cachedPrefix(i, s.prompt));
            if (cached > inPlace || cached == inPlace && releasedAt[i] < releasedAt[slot]) {
                slot = i;
                inPlace = cached;
            }
        }
        // a busy slot may hold more of it: copy from there into the least recently used free slot
        int source = slot;
        int shared = inPlace;
        for (int i = 0; i < owners.length; i++) {
            int cached = owners[i] == null ? -1 : Math.min(reusable, cachedPrefix(i, s.prompt));
            if (cached > shared) {
                source = i;
                shared = cached;
            }
        }
        // keep what a free slot holds beyond the shared start when another free slot can take the copy
        if (source != slot || cache.length(slot) > shared) slot = leastRecentlyUsedFreeSlot();
        // a sequence being prefilled may be about to cache more of it
        Sequence leader = null;
        int promised = shared;
        for (Sequence r : running) {
            if (r.followsLeader() || !r.prefilling()) continue;
            int common = Math.min(reusable, commonPrefix(r.prompt, r.prompt.length, s.prompt));
            if (common > promised) {
                leader = r;
                promised = common;
            }
        }

        owners[slot] = s;
        s.slot = slot;
        active++;
        running.add(s);
        if (leader != null) {
            cache.clear(slot);
            s.leader = leader;
            s.promised = promised;
        } else {
            reuse(s, source, shared);
        }
        try {
            s.sampler = new Sampler(s.request.sampling(), vocabSize, s.prompt, s.matcher);
        } catch (RuntimeException e) {
            fail(s, e);
            return;
        }
        if (s.request.maxTokens() == 0) finish(s, FinishReason.LENGTH);
    }

    /** Gives the sequence's slot the first {@code rows} cached positions of slot {@code source} (which may be its own). */
    private void reuse(Sequence s, int source, int rows) {
        cache.copyPrefix(source, s.slot, rows);
        if (source != s.slot) System.arraycopy(slotTokens[source], 0, slotTokens[s.slot], 0, rows);
        s.prefilled = rows;
        s.reused = rows;
        s.publisher.setCachedTokens(rows);
        promptTokensReused += rows;
    }

    /** Followers whose leader has now cached what they wait for copy it. */
    private void copyFromLeaders() {
        for (Sequence s : running) {
            if (s.followsLeader() && s.leader.prefilled >= s.promised) follow(s);
        }
    }

    /** Copies what the leader's slot holds of the follower's prompt (up to what was promised), and lets it go on alone. */
    private void follow(Sequence s) {
        int source = s.leader.slot;
        s.leader = null;
        reuse(s, source, Math.min(s.promised, cachedPrefix(source, s.prompt)));
    }

    private void step() {
        batch.clear();
        for (Sequence s : running) {
            s.output = -1;
            if (!s.prefilling()) s.output = add(s.lastToken, s.nextPosition(), s.slot, true);
        }
        for (Sequence s : running) {
            if (!s.prefilling() || s.followsLeader()) continue;
            int end = Math.min(s.prompt.length, s.prefilled + stepTokens - batch.size());
            for (; s.prefilled < end; s.prefilled++) {
                boolean last = s.prefilled == s.prompt.length - 1;
                int output = add(s.prompt[s.prefilled], s.prefilled, s.slot, last);
                if (last) s.output = output;
            }
        }
        if (batch.size() == 0) return;
        Logits logits;
        try {
            logits = model.forward(batch, cache);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            for (Sequence s : List.copyOf(running)) {
                if (batchHas(s.slot)) fail(s, e);
            }
            return;
        } finally {
            steps++;
            batchRows += batch.size();
        }
        for (Sequence s : List.copyOf(running)) {
            if (s.output >= 0) sampleAndEmit(s, logits);
        }
    }

    private int add(int token, int position, int slot, boolean wantLogits) {
        slotTokens[slot][position] = token;
        return batch.add(token, position, slot, wantLogits);
    }

    private void sampleAndEmit(Sequence s, Logits logits) {
        try {
            logits.copyRow(s.output, row);
            Sampler.Choice choice = s.sampler.sample(row, s.request.topLogprobs(), s.request.logprobs());
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
        s.publisher.emit(new TokenEvent.Finished(reason, s.prompt.length, s.reused, s.generated));
        s.publisher.complete();
    }

    /** The slot's contents may be half written: they are forgotten. */
    private void fail(Sequence s, Throwable cause) {
        cache.clear(s.slot);
        release(s);
        s.publisher.fail(new IllegalStateException("generation failed: " + cause.getMessage(), cause));
    }

    private void releaseCancelled() {
        for (Sequence s : List.copyOf(running)) {
            if (s.publisher.isCancelled()) release(s);
        }
    }

    /** Frees the slot, keeping its keys and values for later prompts; its followers take what it cached. */
    private void release(Sequence s) {
        running.remove(s);
        owners[s.slot] = null;
        releasedAt[s.slot] = ++releases;
        active--;
        if (s.followsLeader()) s.leader = null;
        for (Sequence f : running) {
            if (f.leader == s) follow(f);
        }
        countKvTokens();
    }

    private int leastRecentlyUsedFreeSlot() {
        int slot = -1;
        for (int i = 0; i < owners.length; i++) {
            if (owners[i] == null && (slot < 0 || releasedAt[i] < releasedAt[slot])) slot = i;
        }
        return slot;
    }

    /** How many first tokens of the prompt the slot's cache holds. */
    private int cachedPrefix(int slot, int[] prompt) {
        return commonPrefix(slotTokens[slot], cache.length(slot), prompt);
    }

    private static int commonPrefix(int[] tokens, int length, int[] prompt) {
        int n = Math.min(length, prompt.length);
        int i = 0;
        while (i < n && tokens[i] == prompt[i]) i++;
        return i;
    }

    private void countKvTokens() {
        long used = 0;
        for (Sequence s : running) used += cache.length(s.slot);
        kvTokensUsed = used;
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
