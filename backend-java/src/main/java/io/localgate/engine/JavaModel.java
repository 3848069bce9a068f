package io.localgate.engine;

import io.localgate.backend.Embedding;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelStats;
import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.model.DecoderEmbedder;
import io.localgate.engine.scheduler.Scheduler;
import io.localgate.engine.tensor.WorkerPool;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** A model loaded by the {@code java} backend: the mapped file, its compute threads, KV cache and scheduler loop. */
final class JavaModel implements LoadedModel {

    private final ModelInfo info;
    private final Tokenizer tokenizer;
    private final GgufFile file;
    private final WorkerPool pool;
    private final KvCache cache;
    private final Scheduler scheduler;
    private final Supplier<DecoderEmbedder> embedderFactory;
    private DecoderEmbedder embedder; // guarded by this; made on the first embeddings request
    private boolean closed;

    JavaModel(ModelInfo info, Tokenizer tokenizer, GgufFile file, WorkerPool pool, KvCache cache, Scheduler scheduler,
              Supplier<DecoderEmbedder> embedderFactory) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.file = file;
        this.pool = pool;
        this.cache = cache;
        this.scheduler = scheduler;
        this.embedderFactory = embedderFactory;
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
        return cache.contextSize();
    }

    /** Mean-pooled last hidden states (see {@link DecoderEmbedder}), one input at a time. */
    @Override
    public List<Embedding> embed(List<int[]> inputs) {
        DecoderEmbedder embedder;
        synchronized (this) {
            if (closed) throw new IllegalStateException("the model has been closed");
            if (this.embedder == null) this.embedder = embedderFactory.get();
            embedder = this.embedder;
        }
        List<Embedding> embeddings = new ArrayList<>(inputs.size());
        for (int[] tokens : inputs) embeddings.add(Embedding.normalized(embedder.embed(tokens), tokens.length));
        return embeddings;
    }

    @Override
    public Generation submit(GenerationRequest request) {
        return scheduler.submit(request);
    }

    @Override
    public ModelStats stats() {
        return scheduler.stats();
    }

    /** Sequences holding a slot now. */
    int active() {
        return scheduler.active();
    }

    /** Sequences waiting for a slot. */
    int queued() {
        return scheduler.queued();
    }

    /** Stops the scheduler loop first (running generations end with an error), then frees the memory. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        scheduler.close();
        if (embedder != null) embedder.close(); // waits for a running embed call
        pool.close();
        cache.close();
        file.close();
    }
}
