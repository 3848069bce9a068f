package io.localgate.llamacpp;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.localgate.backend.Embedding;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.Pooling;
import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaLibrary;
import io.localgate.llamacpp.ffi.LlamaStructs.ContextParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeddings by llama.cpp: a {@code llama_context} of its own, made with {@code embeddings = true} and the
 * model's pooling type, so that llama.cpp pools each sequence's hidden states ({@code llama_get_embeddings_seq}).
 * An encoder (BERT and kin) runs with {@code llama_encode}; a decoder with {@code llama_decode} over a KV
 * cache that is cleared after each input. One input per call: packing several sequences into one batch
 * changes which kernels llama.cpp picks and moves the vectors (cosine about 0.9999 between the two), and
 * llama.cpp's own embedding runs take one text at a time. One caller at a time.
 */
final class NativeEmbedder implements AutoCloseable {

    private final Llama api;
    private final Arena arena;
    private final MemorySegment context;
    private final MemorySegment memory;
    private final boolean encoder;
    private final int size;
    private final int capacity;
    private final DecodeLoop.BatchBuffers batch;

    private NativeEmbedder(Llama api, Arena arena, MemorySegment context, boolean encoder, int size, int capacity) {
        this.api = api;
        this.arena = arena;
        this.context = context;
        this.memory = encoder ? null : api.getMemory(context);
        this.encoder = encoder;
        this.size = size;
        this.capacity = capacity;
        this.batch = new DecodeLoop.BatchBuffers(arena, capacity);
    }

    /**
     * @param contextSize the most tokens of one input (every input of a call is one batch, as pooling needs)
     * @param size        the embedding length
     */
    static NativeEmbedder create(LlamaLibrary library, MemorySegment model, Pooling pooling, boolean encoder, int contextSize,
                                 int threads, int size) throws ModelLoadException {
        Llama api = library.api();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment context;
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment params = api.contextDefaultParams(scratch);
                ContextParams.N_CTX.set(params, 0L, contextSize);
                // a pooled input must fit one micro-batch: llama.cpp pools per ubatch
                ContextParams.N_BATCH.set(params, 0L, contextSize);
                ContextParams.N_UBATCH.set(params, 0L, contextSize);
                ContextParams.N_SEQ_MAX.set(params, 0L, 1);
                ContextParams.N_THREADS.set(params, 0L, threads);
                ContextParams.N_THREADS_BATCH.set(params, 0L, threads);
                ContextParams.EMBEDDINGS.set(params, 0L, true);
                ContextParams.POOLING_TYPE.set(params, 0L, pooling.llamaValue());
                library.takeErrors();
                context = api.initFromModel(model, params);
            }
            if (context.equals(MemorySegment.NULL)) {
                List<String> errors = library.takeErrors();
                throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED, "llama.cpp cannot create an embeddings context"
                        + (errors.isEmpty() ? "" : ": " + String.join("; ", errors)));
            }
            return new NativeEmbedder(api, arena, context.reinterpret(arena, api::free), encoder, size, contextSize);
        } catch (ModelLoadException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Each input's pooled, L2-normalised vector; inputs are checked by the caller (non-empty, fit, in the vocabulary). */
    synchronized List<Embedding> embed(List<int[]> inputs) {
        List<Embedding> out = new ArrayList<>(inputs.size());
        for (int[] tokens : inputs) {
            if (tokens.length == 0 || tokens.length > capacity) throw new IllegalArgumentException("an input of " + tokens.length + " tokens");
            batch.clear();
            for (int p = 0; p < tokens.length; p++) batch.add(tokens[p], p, 0, true);
            int rc = encoder ? api.encode(context, batch.struct()) : api.decode(context, batch.struct());
            if (memory != null) api.memorySeqRm(memory, 0, -1, -1);
            if (rc != 0) throw new IllegalStateException("llama.cpp failed to " + (encoder ? "encode" : "decode") + " an input (" + rc + ")");
            MemorySegment pooled = api.getEmbeddingsSeq(context, 0);
            if (pooled.equals(MemorySegment.NULL)) throw new IllegalStateException("llama.cpp returned no pooled embedding");
            out.add(Embedding.normalized(pooled.reinterpret((long) size * Float.BYTES).toArray(JAVA_FLOAT), tokens.length));
        }
        return out;
    }

    @Override
    public synchronized void close() {
        arena.close();
    }
}
