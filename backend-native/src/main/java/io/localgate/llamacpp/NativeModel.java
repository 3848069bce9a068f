package io.localgate.llamacpp;

import io.localgate.backend.Capability;
import io.localgate.backend.Embedding;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.ModelStats;
import io.localgate.backend.TokenPublisher;
import io.localgate.backend.Tokenizer;
import io.localgate.engine.grammar.Grammar;
import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import io.localgate.llamacpp.ffi.LlamaStructs.ContextParams;
import io.localgate.llamacpp.ffi.LlamaStructs.ModelParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A model loaded by llama.cpp, with one {@code llama_context} whose sequences serve concurrent
 * requests (see {@link DecodeLoop}).
 *
 * <p>Native memory has two owners, both shared arenas: the model's ({@code llama_model}, and its
 * vocabulary which the tokenizer uses from any thread) and the context's. Each pointer is a segment
 * of its owner, freed by the owner's closing (the {@code llama_*_free} call is the arena's cleanup),
 * so a call made after {@link #close()} fails in Java instead of touching freed memory; and an arena
 * cannot close while a call is using it.
 */
final class NativeModel implements LoadedModel {

    private static final System.Logger LOG = System.getLogger(NativeModel.class.getName());

    private final ModelInfo info;
    private final Arena modelArena;
    private final Arena contextArena;
    private final NativeTokenizer tokenizer;
    private final int contextSize;
    private final DecodeLoop loop;
    private final Thread loopThread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LlamaLibrary library;
    private final MemorySegment model;
    private final int threads;
    private NativeEmbedder embedder; // guarded by this; made on the first embeddings request

    private NativeModel(ModelInfo info, Arena modelArena, Arena contextArena, NativeTokenizer tokenizer, int contextSize, DecodeLoop loop,
                        String id, LlamaLibrary library, MemorySegment model, int threads) {
        this.info = info;
        this.library = library;
        this.model = model;
        this.threads = threads;
        this.modelArena = modelArena;
        this.contextArena = contextArena;
        this.tokenizer = tokenizer;
        this.contextSize = contextSize;
        this.loop = loop;
        this.loopThread = Thread.ofPlatform().name("llama-cpp-" + id).daemon().unstarted(loop);
    }

    /**
     * Loads the weights and creates the context.
     *
     * @param batchSize tokens per {@code llama_decode} (prompt chunks and one token per generating sequence)
     */
    static NativeModel load(LlamaLibrary library, ModelSpec spec, ModelFile file, int defaultParallel, int batchSize)
            throws ModelLoadException {
        Llama api = library.api();
        Arena modelArena = Arena.ofShared();
        Arena contextArena = Arena.ofShared();
        try {
            MemorySegment model = loadModel(library, spec, modelArena, false);
            MemorySegment vocab = api.modelGetVocab(model).reinterpret(modelArena, null);

            int trainContext = api.modelNCtxTrain(model);
            int contextSize = spec.contextSize() > 0 ? spec.contextSize() : Math.min(trainContext > 0 ? trainContext : 4096, 4096);
            int parallel = spec.parallel() > 0 ? spec.parallel() : defaultParallel;
            int threads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
            MemorySegment context;
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment params = api.contextDefaultParams(scratch);
                // without a unified KV cache every sequence gets its own contextSize cells
                ContextParams.N_CTX.set(params, 0L, Math.multiplyExact(contextSize, parallel));
                ContextParams.N_BATCH.set(params, 0L, Math.max(batchSize, parallel));
                ContextParams.N_UBATCH.set(params, 0L, Math.max(batchSize, parallel));
                ContextParams.N_SEQ_MAX.set(params, 0L, parallel);
                // a batch asks for at most one row of logits per sequence; llama.cpp sizes its buffers (for a
                // 150k vocabulary, 600 KB a row) by this, and aborts if a batch asks for more
                ContextParams.N_OUTPUTS_MAX.set(params, 0L, parallel);
                ContextParams.N_THREADS.set(params, 0L, threads);
                ContextParams.N_THREADS_BATCH.set(params, 0L, threads);
                library.takeErrors();
                context = api.initFromModel(model, params);
            }
            if (context.equals(MemorySegment.NULL)) {
                throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED, "llama.cpp cannot create a context for " + spec.file()
                        + " (context " + contextSize + " x " + parallel + " sequences)" + errors(library.takeErrors()));
            }
            context = context.reinterpret(contextArena, api::free);
            int perSequence = api.nCtxSeq(context);
            if (perSequence < contextSize) {
                throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED,
                        "llama.cpp gave each sequence " + perSequence + " tokens of context, not the " + contextSize + " asked for");
            }
            var tokenizer = new NativeTokenizer(api, vocab, file.spelling());
            var loop = new DecodeLoop(library, context, tokenizer, contextSize, parallel, api.nBatch(context));
            var loaded = new NativeModel(file.info(), modelArena, contextArena, tokenizer, contextSize, loop, spec.id(), library, model, threads);
            loaded.loopThread.start();
            String offload = !library.hasGpu() || spec.gpuLayers() == 0 ? "on the CPU"
                    : (spec.gpuLayers() < 0 ? "all" : Math.min(spec.gpuLayers(), api.modelNLayer(model))) + " of " + api.modelNLayer(model)
                    + " layers on the GPU";
            LOG.log(System.Logger.Level.INFO, () -> "llama-cpp loaded " + spec.id() + " " + offload + ", context " + contextSize + " x "
                    + parallel + " sequences, " + threads + " threads; devices: " + String.join(", ", library.devices()));
            return loaded;
        } catch (ModelLoadException | RuntimeException e) {
            contextArena.close();
            modelArena.close();
            throw e;
        }
    }

    /** {@code llama_model_load_from_file}, the result owned by {@code arena}; a failure names llama.cpp's reason. */
    static MemorySegment loadModel(LlamaLibrary library, ModelSpec spec, Arena arena, boolean vocabularyOnly) throws ModelLoadException {
        Llama api = library.api();
        MemorySegment model;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment params = api.modelDefaultParams(scratch);
            // negative is llama.cpp's "all layers": every layer on the GPU when there is one
            ModelParams.N_GPU_LAYERS.set(params, 0L, spec.gpuLayers() < 0 ? -1 : spec.gpuLayers());
            ModelParams.VOCAB_ONLY.set(params, 0L, vocabularyOnly);
            library.takeErrors();
            model = api.modelLoadFromFile(scratch.allocateFrom(spec.file().toAbsolutePath().toString()), params);
        }
        if (model.equals(MemorySegment.NULL)) {
            throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED, "llama.cpp cannot load " + spec.file()
                    + errors(library.takeErrors()));
        }
        return model.reinterpret(arena, api::modelFree);
    }

    private static String errors(List<String> lines) {
        return lines.isEmpty() ? "" : ": " + String.join("; ", lines);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int contextSize() {
        return contextSize;
    }

    @Override
    public Generation submit(GenerationRequest request) {
        if (closed.get()) throw new IllegalStateException("the model has been closed");
        request.requireFits(contextSize, tokenizer.vocabSize());
        if (request.grammar() != null) Grammar.parse(request.grammar()); // a bad grammar fails here, with line and column
        var sequence = new DecodeLoop.Sequence(request);
        // a waiting request leaves the queue at once; a running one is seen by the loop before its next step
        var publisher = new TokenPublisher(() -> loop.admit(sequence), () -> loop.withdraw(sequence));
        sequence.publisher = publisher;
        return publisher;
    }

    @Override
    public ModelStats stats() {
        return loop.stats();
    }

    /** Pooled by llama.cpp in a context of its own (see {@link NativeEmbedder}). */
    @Override
    public List<Embedding> embed(List<int[]> inputs) {
        if (!info.capabilities().contains(Capability.EMBEDDINGS) || info.pooling().isEmpty()) {
            throw new UnsupportedOperationException("the model " + info.architecture() + " does not produce embeddings");
        }
        for (int[] input : inputs) Embedding.requireFits(input, contextSize, tokenizer.vocabSize());
        return embedder().embed(inputs);
    }

    private synchronized NativeEmbedder embedder() {
        if (closed.get()) throw new IllegalStateException("the model has been closed");
        if (embedder == null) {
            boolean encoder = !info.capabilities().contains(Capability.COMPLETION);
            try {
                embedder = NativeEmbedder.create(library, model, info.pooling().orElseThrow(), encoder, contextSize, threads,
                        info.embeddingLength());
            } catch (ModelLoadException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return embedder;
    }

    /** Stops the loop (failing running generations), then frees the contexts and the model. */
    @Override
    public void close() {
        if (Thread.currentThread() == loopThread) {
            throw new IllegalStateException("a model cannot be closed from its own decode thread (a subscriber's onNext)");
        }
        if (!closed.compareAndSet(false, true)) return;
        loop.stop();
        boolean interrupted = false;
        while (loopThread.isAlive()) {
            try {
                loopThread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        synchronized (this) {
            if (embedder != null) embedder.close(); // waits for a running embed call
        }
        closeWhenIdle(contextArena);
        closeWhenIdle(modelArena);
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** A shared arena refuses to close while another thread is in a call with one of its segments (a tokenizer call): wait it out. */
    private static void closeWhenIdle(Arena arena) {
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException inUse) {
                LockSupport.parkNanos(1_000_000);
            }
        }
    }
}
