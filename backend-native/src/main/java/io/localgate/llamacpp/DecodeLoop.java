package io.localgate.llamacpp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.Logprobs;
import io.localgate.backend.ModelStats;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.TokenPublisher;
import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import io.localgate.llamacpp.ffi.LlamaStructs.Batch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread that computes for a model: continuous batching over the sequences of one
 * {@code llama_context}. Each step it frees the slots of finished and cancelled sequences, admits
 * waiting requests into free slots, builds one {@code llama_batch} of every generating sequence's last
 * token plus as much waiting prompt as fits, decodes it, and samples the next token of every sequence
 * that produced logits. Requests thus join and leave between {@code llama_decode} calls.
 *
 * <p>Prefix reuse: a slot (a sequence id, with its own KV stream) keeps its cells when its sequence
 * ends, and the loop remembers their tokens. A new request finds the slot holding the longest start of
 * its prompt: it takes that slot when free and holding nothing more (dropping the tail with
 * {@code llama_memory_seq_rm}), else the least recently used free slot, into which the source's
 * sequence is copied ({@code llama_memory_seq_cp}) and cut to the shared start. When a sequence being
 * prefilled will hold more of the prompt (the same prompt submitted several times at once), the new one
 * waits for it, then copies. The last prompt token is always decoded: its logits give the first output.
 *
 * <p>The batch and the sampler chains are this thread's own (confined arenas); the context and
 * model belong to {@link NativeModel}, which stops this loop before it frees them.
 */
final class DecodeLoop implements Runnable {

    private static final System.Logger LOG = System.getLogger(DecodeLoop.class.getName());

    private final LlamaLibrary library;
    private final Llama api;
    private final MemorySegment context;
    private final MemorySegment memory;
    private final NativeTokenizer tokenizer;
    private final int contextSize;
    private final int batchSize;
    private final Sequence[] slots;
    /** The tokens whose cells each slot holds: positions {@code 0 .. slotLengths[slot] - 1}. */
    private final int[][] slotTokens;
    private final int[] slotLengths;
    /** When each slot was last given up, in releases: the least recently used free slot is overwritten first. */
    private final long[] releasedAt;
    private long releases;
    // figures for stats(): written by this thread (queued under the lock), read from any thread
    private volatile int queued;
    private volatile int active;
    private volatile long kvTokensUsed;
    private volatile long steps;
    private volatile long batchRows;
    private volatile long promptTokensReused;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>(); // guarded by lock
    private boolean stopping; // guarded by lock

    /** A request from subscription to its last event. */
    static final class Sequence {
        final GenerationRequest request;
        final int[] prompt;
        final int[] stopTokens;
        TokenPublisher publisher;
        int slot = -1;
        SamplerChain sampler;
        float[] logits;
        /** Prompt tokens already decoded (and so the next position while the prompt lasts). */
        int decoded;
        /** Prompt tokens taken from the cache rather than decoded. */
        int reused;
        /** A sequence being prefilled with the same start: this one waits until it holds {@link #promised} positions, then copies. */
        Sequence leader;
        int promised;
        /** Tokens generated and emitted. */
        int generated;
        int lastToken;
        /** Where this sequence's logits are in the batch just decoded, or -1. */
        int outputIndex = -1;

        Sequence(GenerationRequest request) {
            this.request = request;
            this.prompt = request.prompt();
            this.stopTokens = request.stopTokens();
        }

        boolean prefilling() {
            return decoded < prompt.length;
        }

        /** The position of the next token this sequence puts in a batch. */
        int position() {
            return prefilling() ? decoded : prompt.length + generated - 1;
        }
    }

    DecodeLoop(LlamaLibrary library, MemorySegment context, NativeTokenizer tokenizer, int contextSize, int parallel, int batchSize) {
        this.library = library;
        this.api = library.api();
        this.context = context;
        this.memory = api.getMemory(context);
        this.tokenizer = tokenizer;
        this.contextSize = contextSize;
        this.batchSize = batchSize;
        this.slots = new Sequence[parallel];
        this.slotTokens = new int[parallel][contextSize];
        this.slotLengths = new int[parallel];
        this.releasedAt = new long[parallel];
    }

    ModelStats stats() {
        return new ModelStats(queued, active, slots.length, kvTokensUsed, (long) slots.length * contextSize, steps, batchRows,
                promptTokensReused);
    }

    /** Queues a subscribed request for a free slot; fails it at once when the loop has stopped. */
    void admit(Sequence sequence) {
        lock.lock();
        try {
            if (stopping) {
                sequence.publisher.fail(new IllegalStateException("the model has been closed"));
                return;
            }
            waiting.add(sequence);
            queued = waiting.size();
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets a cancelled request that still waits for a slot. */
    void withdraw(Sequence sequence) {
        lock.lock();
        try {
            waiting.remove(sequence);
            queued = waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Asks the loop to end after its current step; running and waiting generations fail. */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            var batch = new BatchBuffers(arena, batchSize);
            while (awaitWork()) {
                try {
                    step(batch);
                } catch (RuntimeException e) {
                    // a fault of ours, not of one request: fail everything running and go on with new requests
                    LOG.log(System.Logger.Level.ERROR, "llama-cpp decode step failed", e);
                    for (Sequence s : slots) {
                        if (s != null) end(s, null, e);
                    }
                }
            }
        } finally {
            var closed = new IllegalStateException("the model has been closed");
            for (Sequence s : slots) {
                if (s != null) end(s, null, closed);
            }
            lock.lock();
            try {
                waiting.forEach(s -> s.publisher.fail(closed));
                waiting.clear();
                queued = 0;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits until there is something to do; false when the loop should end. */
    private boolean awaitWork() {
        lock.lock();
        try {
            while (!stopping && waiting.isEmpty() && Arrays.stream(slots).allMatch(s -> s == null)) {
                wake.awaitUninterruptibly();
            }
            return !stopping;
        } finally {
            lock.unlock();
        }
    }

    private void step(BatchBuffers batch) {
        for (Sequence s : slots) {
            if (s != null && s.publisher.isCancelled()) end(s, null, null);
        }
        fillFreeSlots();
        for (Sequence s : slots) {
            if (s != null && s.leader != null && s.leader.decoded >= s.promised) follow(s);
        }

        batch.clear();
        for (Sequence s : slots) { // generating sequences first: one token each, never starved by long prompts
            if (s != null && !s.prefilling()) {
                s.outputIndex = add(batch, s.lastToken, s.position(), s.slot, true);
            }
        }
        for (Sequence s : slots) {
            if (s != null && s.prefilling() && s.leader == null && batch.room() > 0) {
                int take = Math.min(batch.room(), s.prompt.length - s.decoded);
                for (int i = 0; i < take; i++) {
                    boolean last = s.decoded + i == s.prompt.length - 1;
                    int index = add(batch, s.prompt[s.decoded + i], s.decoded + i, s.slot, last);
                    if (last) s.outputIndex = index;
                }
                s.decoded += take;
            }
        }
        if (batch.size() == 0) return;

        library.takeErrors();
        int rc = api.decode(context, batch.struct());
        steps++;
        batchRows += batch.size();
        if (rc != 0) {
            var failure = new IllegalStateException("llama_decode failed with " + rc + describe(rc) + errorLines());
            for (Sequence s : slots) {
                if (s != null && batch.holds(s.slot)) end(s, null, failure);
            }
            return;
        }
        for (Sequence s : slots) {
            if (s != null && s.outputIndex >= 0) {
                int index = s.outputIndex;
                s.outputIndex = -1;
                next(s, index);
            }
        }
        countKvTokens();
    }

    private void countKvTokens() {
        long used = 0;
        for (Sequence s : slots) {
            if (s != null) used += slotLengths[s.slot];
        }
        kvTokensUsed = used;
    }

    private int add(BatchBuffers batch, int token, int position, int slot, boolean output) {
        slotTokens[slot][position] = token;
        slotLengths[slot] = position + 1;
        return batch.add(token, position, slot, output);
    }

    private void fillFreeSlots() {
        while (active < slots.length) {
            Sequence s = nextToStart();
            if (s == null) return;
            start(s);
        }
    }

    /** Puts the sequence in a slot, reusing the longest start of its prompt that a slot holds or will soon hold. */
    private void start(Sequence s) {
        int reusable = s.prompt.length - 1; // the last prompt token is decoded for its logits
        int slot = -1;
        int inPlace = -1;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) continue;
            int cached = Math.min(reusable, cachedPrefix(i, s.prompt));
            if (cached > inPlace || cached == inPlace && releasedAt[i] < releasedAt[slot]) {
                slot = i;
                inPlace = cached;
            }
        }
        int source = slot;
        int shared = inPlace;
        for (int i = 0; i < slots.length; i++) {
            int cached = slots[i] == null ? -1 : Math.min(reusable, cachedPrefix(i, s.prompt));
            if (cached > shared) {
                source = i;
                shared = cached;
            }
        }
        // keep what a free slot holds beyond the shared start when another free slot can take the copy
        if (source != slot || slotLengths[slot] > shared) slot = leastRecentlyUsedFreeSlot();
        Sequence leader = null;
        int promised = shared;
        for (Sequence r : slots) {
            if (r == null || r.leader != null || !r.prefilling()) continue;
            int common = Math.min(reusable, commonPrefix(r.prompt, r.prompt.length, s.prompt));
            if (common > promised) {
                leader = r;
                promised = common;
            }
        }
        s.slot = slot;
        s.logits = new float[tokenizer.vocabSize()];
        slots[slot] = s;
        active++;
        if (leader != null) {
            forget(slot);
            s.leader = leader;
            s.promised = promised;
        } else {
            reuse(s, source, shared);
        }
    }

    /** Gives the sequence's slot the first {@code rows} cached positions of slot {@code source} (which may be its own). */
    private void reuse(Sequence s, int source, int rows) {
        if (rows == 0) {
            forget(s.slot);
        } else if (source != s.slot) {
            api.memorySeqCp(memory, source, s.slot, -1, -1); // the whole sequence: partial copies across streams abort
            System.arraycopy(slotTokens[source], 0, slotTokens[s.slot], 0, rows);
            slotLengths[s.slot] = slotLengths[source];
        }
        if (!api.memorySeqRm(memory, s.slot, rows, -1)) {
            forget(s.slot);
            rows = 0;
        }
        slotLengths[s.slot] = rows;
        s.decoded = rows;
        s.reused = rows;
        s.publisher.setCachedTokens(rows);
        promptTokensReused += rows;
    }

    /** Copies what the leader's slot holds of the follower's prompt (up to what was promised), and lets it go on alone. */
    private void follow(Sequence s) {
        int source = s.leader.slot;
        s.leader = null;
        reuse(s, source, Math.min(s.promised, cachedPrefix(source, s.prompt)));
    }

    private void forget(int slot) {
        api.memorySeqRm(memory, slot, -1, -1);
        slotLengths[slot] = 0;
    }

    private int leastRecentlyUsedFreeSlot() {
        int slot = -1;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] == null && (slot < 0 || releasedAt[i] < releasedAt[slot])) slot = i;
        }
        return slot;
    }

    private int cachedPrefix(int slot, int[] prompt) {
        return commonPrefix(slotTokens[slot], slotLengths[slot], prompt);
    }

    private static int commonPrefix(int[] tokens, int length, int[] prompt) {
        int n = Math.min(length, prompt.length);
        int i = 0;
        while (i < n && tokens[i] == prompt[i]) i++;
        return i;
    }

    /** The next waiting request that needs a slot, with its sampler chain built; null when none waits. */
    private Sequence nextToStart() {
        while (true) {
            Sequence s;
            lock.lock();
            try {
                s = waiting.poll();
                queued = waiting.size();
            } finally {
                lock.unlock();
            }
            if (s == null) return null;
            if (s.publisher.isCancelled()) continue;
            if (s.request.maxTokens() == 0) {
                s.publisher.emit(new TokenEvent.Finished(FinishReason.LENGTH, s.prompt.length, 0, 0));
                s.publisher.complete();
                continue;
            }
            try {
                s.sampler = new SamplerChain(api, s.request.sampling(), tokenizer.vocabSize(), contextSize, s.prompt,
                        tokenizer.vocab(), s.request.grammar());
                return s;
            } catch (RuntimeException e) {
                s.publisher.fail(e);
            }
        }
    }

    /** Samples a sequence's next token from its logits at {@code index} of the decoded batch, and emits it. */
    private void next(Sequence s, int index) {
        MemorySegment row = api.getLogitsIth(context, index);
        if (row.equals(MemorySegment.NULL)) throw new IllegalStateException("llama_get_logits_ith(" + index + ") returned NULL");
        MemorySegment.copy(row.reinterpret(JAVA_FLOAT.byteSize() * s.logits.length), JAVA_FLOAT, 0, s.logits, 0, s.logits.length);
        // the log-softmax is a pass of exponentials over the vocabulary: only when asked for
        float logSumExp = s.request.logprobs() ? Logprobs.logSumExp(s.logits) : Float.NaN;
        int token = s.sampler.sample(s.logits);
        int topCount = s.request.topLogprobs();
        s.lastToken = token;
        s.generated++;
        try {
            s.publisher.emit(new TokenEvent.Token(token, s.logits[token] - logSumExp,
                    topCount > 0 ? Logprobs.top(s.logits, logSumExp, topCount) : List.of()));
        } catch (RuntimeException subscriberFault) {
            // a subscriber that throws from onNext loses its own generation, not the others'
            end(s, null, subscriberFault);
            return;
        }
        if (tokenizer.isEndOfGeneration(token) || contains(s.stopTokens, token)) {
            end(s, FinishReason.STOP, null);
        } else if (s.generated >= s.request.maxTokens() || s.prompt.length + s.generated >= contextSize) {
            end(s, FinishReason.LENGTH, null);
        }
    }

    /**
     * Frees the sequence's slot and sampler, then finishes it (or fails it, or neither when cancelled). The
     * slot's cells stay for later prompts, unless the sequence failed (they may be half written); its
     * followers take what it holds.
     */
    private void end(Sequence s, FinishReason reason, RuntimeException failure) {
        slots[s.slot] = null;
        releasedAt[s.slot] = ++releases;
        active--;
        s.leader = null;
        try {
            if (failure != null) forget(s.slot);
            for (Sequence f : slots) {
                if (f != null && f.leader == s) follow(f);
            }
        } finally {
            s.sampler.close();
        }
        countKvTokens();
        if (failure != null) {
            s.publisher.fail(failure);
        } else if (reason != null) {
            s.publisher.emit(new TokenEvent.Finished(reason, s.prompt.length, s.reused, s.generated));
            s.publisher.complete();
        }
    }

    private String errorLines() {
        List<String> lines = library.takeErrors();
        return lines.isEmpty() ? "" : ": " + String.join("; ", lines);
    }

    private static String describe(int rc) {
        return switch (rc) {
            case 1 -> " (no room in the KV cache)";
            case 2 -> " (aborted)";
            case -1 -> " (invalid batch)";
            default -> "";
        };
    }

    private static boolean contains(int[] tokens, int token) {
        for (int t : tokens) {
            if (t == token) return true;
        }
        return false;
    }

    /**
     * A {@code llama_batch} over arrays of our own: one sequence id per token, so {@code seq_id[i]}
     * points at the i-th entry of one int array.
     */
    static final class BatchBuffers {
        private final int capacity;
        private final MemorySegment struct;
        private final MemorySegment tokens;
        private final MemorySegment positions;
        private final MemorySegment seqIds;
        private final MemorySegment outputs;
        private int size;

        BatchBuffers(Arena arena, int capacity) {
            this.capacity = capacity;
            this.tokens = arena.allocate(JAVA_INT, capacity);
            this.positions = arena.allocate(JAVA_INT, capacity);
            this.seqIds = arena.allocate(JAVA_INT, capacity);
            this.outputs = arena.allocate(JAVA_BYTE, capacity);
            MemorySegment seqIdCounts = arena.allocate(JAVA_INT, capacity);
            MemorySegment seqIdPointers = arena.allocate(ADDRESS, capacity);
            for (int i = 0; i < capacity; i++) {
                seqIdCounts.setAtIndex(JAVA_INT, i, 1);
                seqIdPointers.setAtIndex(ADDRESS, i, seqIds.asSlice(JAVA_INT.byteSize() * i, JAVA_INT));
            }
            this.struct = arena.allocate(Batch.LAYOUT);
            Batch.TOKEN.set(struct, 0L, tokens);
            Batch.EMBD.set(struct, 0L, MemorySegment.NULL);
            Batch.POS.set(struct, 0L, positions);
            Batch.N_SEQ_ID.set(struct, 0L, seqIdCounts);
            Batch.SEQ_ID.set(struct, 0L, seqIdPointers);
            Batch.LOGITS.set(struct, 0L, outputs);
        }

        void clear() {
            size = 0;
        }

        int size() {
            return size;
        }

        int room() {
            return capacity - size;
        }

        /** Adds a token and returns its index in the batch. */
        int add(int token, int position, int seqId, boolean output) {
            tokens.setAtIndex(JAVA_INT, size, token);
            positions.setAtIndex(JAVA_INT, size, position);
            seqIds.setAtIndex(JAVA_INT, size, seqId);
            outputs.setAtIndex(JAVA_BYTE, size, (byte) (output ? 1 : 0));
            return size++;
        }

        boolean holds(int seqId) {
            for (int i = 0; i < size; i++) {
                if (seqIds.getAtIndex(JAVA_INT, i) == seqId) return true;
            }
            return false;
        }

        MemorySegment struct() {
            Batch.N_TOKENS.set(struct, 0L, size);
            return struct;
        }
    }
}
