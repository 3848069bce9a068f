package io.localgate.engine;

import io.localgate.backend.Embedding;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.model.BertEncoder;
import io.localgate.engine.tensor.WorkerPool;
import java.util.ArrayList;
import java.util.List;

/**
 * An embedding model (BERT) loaded by the {@code java} backend: the mapped file, its compute threads and
 * the encoder. It makes embeddings only; requests run one at a time on the calling thread plus the pool.
 */
final class JavaEncoderModel implements LoadedModel {

    private final ModelInfo info;
    private final Tokenizer tokenizer;
    private final GgufFile file;
    private final WorkerPool pool;
    private final BertEncoder encoder;
    private boolean closed; // guarded by this

    JavaEncoderModel(ModelInfo info, Tokenizer tokenizer, GgufFile file, WorkerPool pool, BertEncoder encoder) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.file = file;
        this.pool = pool;
        this.encoder = encoder;
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
        return encoder.maxTokens();
    }

    /** An encoder does not generate text. */
    @Override
    public Generation submit(GenerationRequest request) {
        throw new UnsupportedOperationException("the model " + info.name().orElse(info.architecture())
                + " is an embedding model: it does not generate text");
    }

    /** Each input encoded on its own (as llama.cpp computes one text per call), then pooled and normalised. */
    @Override
    public synchronized List<Embedding> embed(List<int[]> inputs) {
        if (closed) throw new IllegalStateException("the model has been closed");
        List<Embedding> embeddings = new ArrayList<>(inputs.size());
        for (int[] tokens : inputs) embeddings.add(Embedding.normalized(encoder.encode(tokens), tokens.length));
        return embeddings;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        pool.close();
        encoder.close();
        file.close();
    }
}
