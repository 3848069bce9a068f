package io.localgate.llamacpp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.localgate.backend.FinishReason;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.Logprobs;
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
 * {@code llama_context}. Each step it frees the slots of finished and cancelled sequences (their KV
 * cells removed with {@code llama_memory_seq_rm}), admits waiting requests into free slots, builds one
 * {@code llama_batch} of every generating sequence's last token plus as much waiting prompt as fits,
 * decodes it, and samples the next token of every sequence that produced logits. Requests thus join
 * and leave between {@code llama_decode} calls.
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
            wake.signal();
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

        batch.clear();
        for (Sequence s : slots) { // generating sequences first: one token each, never starved by long prompts
            if (s != null && !s.prefilling()) {
                s.outputIndex = batch.add(s.lastToken, s.position(), s.slot, true);
            }
        }
        for (Sequence s : slots) {
            if (s != null && s.prefilling() && batch.room() > 0) {
                int take = Math.min(batch.room(), s.prompt.length - s.decoded);
                for (int i = 0; i < take; i++) {
                    boolean last = s.decoded + i == s.prompt.length - 1;
                    int index = batch.add(s.prompt[s.decoded + i], s.decoded + i, s.slot, last);
                    if (last) s.outputIndex = index;
                }
                s.decoded += take;
            }
        }
        if (batch.size() == 0) return;

        library.takeErrors();
        int rc = api.decode(context, batch.struct());
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
    }

    private void fillFreeSlots() {
        for (int slot = 0; slot < slots.length; slot++) {
            if (slots[slot] != null) continue;
            Sequence s = nextToStart();
            if (s == null) return;
            s.slot = slot;
            s.logits = new float[tokenizer.vocabSize()];
            slots[slot] = s;
        }
    }

    /** The next waiting request that needs a slot, with its sampler chain built; null when none waits. */
    private Sequence nextToStart() {
        while (true) {
            Sequence s;
            lock.lock();
            try {
                s = waiting.poll();
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
                s.sampler = new SamplerChain(api, s.request.sampling(), tokenizer.vocabSize(), contextSize, s.prompt);
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
        float logSumExp = Logprobs.logSumExp(s.logits);
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

    /** Frees the sequence's slot, KV cells and sampler, then finishes it (or fails it, or neither when cancelled). */
    private void end(Sequence s, FinishReason reason, RuntimeException failure) {
        slots[s.slot] = null;
        try {
            api.memorySeqRm(memory, s.slot, -1, -1);
        } finally {
            s.sampler.close();
        }
        if (failure != null) {
            s.publisher.fail(failure);
        } else if (reason != null) {
            s.publisher.emit(new TokenEvent.Finished(reason, s.prompt.length, 0, s.generated));
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
