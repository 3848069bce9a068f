package io.localgate.llamacpp.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcalls into {@code libllama} and {@code libggml} for the functions of {@code llama.h} /
 * {@code ggml-backend.h} (llama.cpp v0.4.0) that the bridge uses, and nothing more. Methods keep the C
 * names (minus the prefix) and signatures; C strings are passed as NUL-terminated segments and
 * returned as raw pointers, structs by value as segments of the layouts in {@link LlamaStructs}.
 *
 * <p>None of these functions may be handed a pointer the library does not own or expect: the callers
 * ({@code io.localgate.llamacpp}) tie every pointer to an {@link Arena} and check token ids and
 * lengths before calling, because a fault on the other side ends the process.
 */
public final class Llama {

    /** {@code llama_version()} of the release these bindings were written against (its base, without "-dev"). */
    public static final String PINNED_LLAMA_VERSION = "0.4.0";
    /** {@code ggml_version()} of the same release. */
    public static final String PINNED_GGML_VERSION = "0.23.0";

    /** {@code enum ggml_backend_dev_type}. */
    public static final int DEVICE_TYPE_GPU = 1;
    public static final int DEVICE_TYPE_IGPU = 2;
    /** {@code enum llama_ftype} values that {@link #modelQuantize} is asked for. */
    public static final int FTYPE_MOSTLY_F16 = 1;
    public static final int FTYPE_MOSTLY_Q4_0 = 2;
    public static final int FTYPE_MOSTLY_Q8_0 = 7;
    public static final int FTYPE_MOSTLY_Q4_K_M = 15;
    /** {@code LLAMA_DEFAULT_SEED}: asks {@code llama_sampler_init_dist} for a random seed. */
    public static final int DEFAULT_SEED = 0xFFFFFFFF;

    private final MethodHandle ggmlVersion;
    private final MethodHandle ggmlCommit;
    private final MethodHandle ggmlBackendLoadAllFromPath;
    private final MethodHandle ggmlBackendDevCount;
    private final MethodHandle ggmlBackendDevGet;
    private final MethodHandle ggmlBackendDevType;
    private final MethodHandle ggmlBackendDevName;
    private final MethodHandle ggmlBackendDevDescription;

    private final MethodHandle version;
    private final MethodHandle backendInit;
    private final MethodHandle logSet;
    private final MethodHandle modelDefaultParams;
    private final MethodHandle contextDefaultParams;
    private final MethodHandle samplerChainDefaultParams;

    private final MethodHandle modelLoadFromFile;
    private final MethodHandle modelFree;
    private final MethodHandle modelGetVocab;
    private final MethodHandle modelNCtxTrain;
    private final MethodHandle modelNLayer;
    private final MethodHandle initFromModel;
    private final MethodHandle free;
    private final MethodHandle nCtxSeq;
    private final MethodHandle nBatch;
    private final MethodHandle getMemory;
    private final MethodHandle memorySeqRm;
    private final MethodHandle memorySeqCp;
    private final MethodHandle decode;
    private final MethodHandle getLogitsIth;
    private final MethodHandle encode;
    private final MethodHandle getEmbeddingsSeq;

    private final MethodHandle vocabNTokens;
    private final MethodHandle vocabBos;
    private final MethodHandle vocabEos;
    private final MethodHandle vocabIsEog;
    private final MethodHandle vocabIsControl;
    private final MethodHandle tokenize;
    private final MethodHandle tokenToPiece;

    private final MethodHandle samplerChainInit;
    private final MethodHandle samplerChainAdd;
    private final MethodHandle samplerInitGreedy;
    private final MethodHandle samplerInitDist;
    private final MethodHandle samplerInitTopK;
    private final MethodHandle samplerInitTopP;
    private final MethodHandle samplerInitMinP;
    private final MethodHandle samplerInitTemp;
    private final MethodHandle samplerInitPenalties;
    private final MethodHandle samplerInitLogitBias;
    private final MethodHandle samplerInitGrammar;
    private final MethodHandle samplerApply;
    private final MethodHandle samplerAccept;
    private final MethodHandle samplerFree;

    private final MethodHandle modelQuantizeDefaultParams;
    private final MethodHandle modelQuantize;

    /**
     * Binds every function now, so that a library of another release fails here, naming the missing
     * symbol, rather than in the middle of serving.
     *
     * @param symbols   finds the symbols of {@code libllama} and {@code libggml} (and {@code libggml-base})
     * @param whereFrom names the libraries in error messages
     */
    Llama(SymbolLookup symbols, String whereFrom) {
        var binder = new Binder(symbols, whereFrom);
        ggmlVersion = binder.bind("ggml_version", FunctionDescriptor.of(ADDRESS));
        ggmlCommit = binder.bind("ggml_commit", FunctionDescriptor.of(ADDRESS));
        ggmlBackendLoadAllFromPath = binder.bind("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
        ggmlBackendDevCount = binder.bind("ggml_backend_dev_count", FunctionDescriptor.of(JAVA_LONG));
        ggmlBackendDevGet = binder.bind("ggml_backend_dev_get", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        ggmlBackendDevType = binder.bind("ggml_backend_dev_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        ggmlBackendDevName = binder.bind("ggml_backend_dev_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        ggmlBackendDevDescription = binder.bind("ggml_backend_dev_description", FunctionDescriptor.of(ADDRESS, ADDRESS));

        version = binder.bind("llama_version", FunctionDescriptor.of(ADDRESS));
        backendInit = binder.bind("llama_backend_init", FunctionDescriptor.ofVoid());
        logSet = binder.bind("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        modelDefaultParams = binder.bind("llama_model_default_params", FunctionDescriptor.of(LlamaStructs.ModelParams.LAYOUT));
        contextDefaultParams = binder.bind("llama_context_default_params", FunctionDescriptor.of(LlamaStructs.ContextParams.LAYOUT));
        samplerChainDefaultParams = binder.bind("llama_sampler_chain_default_params",
                FunctionDescriptor.of(LlamaStructs.SamplerChainParams.LAYOUT));

        modelLoadFromFile = binder.bind("llama_model_load_from_file",
                FunctionDescriptor.of(ADDRESS, ADDRESS, LlamaStructs.ModelParams.LAYOUT));
        modelFree = binder.bind("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        modelGetVocab = binder.bind("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        modelNCtxTrain = binder.bind("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        modelNLayer = binder.bind("llama_model_n_layer", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        initFromModel = binder.bind("llama_init_from_model",
                FunctionDescriptor.of(ADDRESS, ADDRESS, LlamaStructs.ContextParams.LAYOUT));
        free = binder.bind("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        nCtxSeq = binder.bind("llama_n_ctx_seq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nBatch = binder.bind("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getMemory = binder.bind("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
        memorySeqRm = binder.bind("llama_memory_seq_rm", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        memorySeqCp = binder.bind("llama_memory_seq_cp", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        decode = binder.bind("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, LlamaStructs.Batch.LAYOUT));
        getLogitsIth = binder.bind("llama_get_logits_ith", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        encode = binder.bind("llama_encode", FunctionDescriptor.of(JAVA_INT, ADDRESS, LlamaStructs.Batch.LAYOUT));
        getEmbeddingsSeq = binder.bind("llama_get_embeddings_seq", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

        vocabNTokens = binder.bind("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabBos = binder.bind("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabEos = binder.bind("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        vocabIsEog = binder.bind("llama_vocab_is_eog", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        vocabIsControl = binder.bind("llama_vocab_is_control", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        tokenize = binder.bind("llama_tokenize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        tokenToPiece = binder.bind("llama_token_to_piece",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));

        samplerChainInit = binder.bind("llama_sampler_chain_init", FunctionDescriptor.of(ADDRESS, LlamaStructs.SamplerChainParams.LAYOUT));
        samplerChainAdd = binder.bind("llama_sampler_chain_add", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        samplerInitGreedy = binder.bind("llama_sampler_init_greedy", FunctionDescriptor.of(ADDRESS));
        samplerInitDist = binder.bind("llama_sampler_init_dist", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        samplerInitTopK = binder.bind("llama_sampler_init_top_k", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        samplerInitTopP = binder.bind("llama_sampler_init_top_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
        samplerInitMinP = binder.bind("llama_sampler_init_min_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
        samplerInitTemp = binder.bind("llama_sampler_init_temp", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT));
        samplerInitPenalties = binder.bind("llama_sampler_init_penalties",
                FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));
        samplerInitLogitBias = binder.bind("llama_sampler_init_logit_bias", FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        samplerInitGrammar = binder.bind("llama_sampler_init_grammar", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        samplerApply = binder.bind("llama_sampler_apply", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        samplerAccept = binder.bind("llama_sampler_accept", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        samplerFree = binder.bind("llama_sampler_free", FunctionDescriptor.ofVoid(ADDRESS));

        modelQuantizeDefaultParams = binder.bind("llama_model_quantize_default_params",
                FunctionDescriptor.of(LlamaStructs.QuantizeParams.LAYOUT));
        modelQuantize = binder.bind("llama_model_quantize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    // ggml

    public MemorySegment ggmlVersion() {
        try {
            return (MemorySegment) ggmlVersion.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment ggmlCommit() {
        try {
            return (MemorySegment) ggmlCommit.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void ggmlBackendLoadAllFromPath(MemorySegment dirPath) {
        try {
            ggmlBackendLoadAllFromPath.invokeExact(dirPath);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long ggmlBackendDevCount() {
        try {
            return (long) ggmlBackendDevCount.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment ggmlBackendDevGet(long index) {
        try {
            return (MemorySegment) ggmlBackendDevGet.invokeExact(index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int ggmlBackendDevType(MemorySegment device) {
        try {
            return (int) ggmlBackendDevType.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment ggmlBackendDevName(MemorySegment device) {
        try {
            return (MemorySegment) ggmlBackendDevName.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment ggmlBackendDevDescription(MemorySegment device) {
        try {
            return (MemorySegment) ggmlBackendDevDescription.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // library

    public MemorySegment version() {
        try {
            return (MemorySegment) version.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void backendInit() {
        try {
            backendInit.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void logSet(MemorySegment callback, MemorySegment userData) {
        try {
            logSet.invokeExact(callback, userData);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment modelDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) modelDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment contextDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) contextDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerChainDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) samplerChainDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // model and context

    /** Returns NULL when the model cannot be loaded (the reason goes to the log). */
    public MemorySegment modelLoadFromFile(MemorySegment path, MemorySegment params) {
        try {
            return (MemorySegment) modelLoadFromFile.invokeExact(path, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void modelFree(MemorySegment model) {
        try {
            modelFree.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment modelGetVocab(MemorySegment model) {
        try {
            return (MemorySegment) modelGetVocab.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int modelNCtxTrain(MemorySegment model) {
        try {
            return (int) modelNCtxTrain.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int modelNLayer(MemorySegment model) {
        try {
            return (int) modelNLayer.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns NULL when the context cannot be created (the reason goes to the log). */
    public MemorySegment initFromModel(MemorySegment model, MemorySegment params) {
        try {
            return (MemorySegment) initFromModel.invokeExact(model, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void free(MemorySegment context) {
        try {
            free.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int nCtxSeq(MemorySegment context) {
        try {
            return (int) nCtxSeq.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int nBatch(MemorySegment context) {
        try {
            return (int) nBatch.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment getMemory(MemorySegment context) {
        try {
            return (MemorySegment) getMemory.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Removes a sequence's cells with positions in [p0, p1) (negative: open end); a whole sequence always succeeds. */
    public boolean memorySeqRm(MemorySegment memory, int seqId, int p0, int p1) {
        try {
            return (boolean) memorySeqRm.invokeExact(memory, seqId, p0, p1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Copies a sequence's cells with positions in [p0, p1) (negative: open end) to another sequence. Between
     * the streams of a non-unified cache only a whole sequence may be copied (p0 = p1 = -1; llama.cpp aborts
     * otherwise), which replaces the destination's cells; the data moves at the next decode.
     */
    public void memorySeqCp(MemorySegment memory, int seqIdSrc, int seqIdDst, int p0, int p1) {
        try {
            memorySeqCp.invokeExact(memory, seqIdSrc, seqIdDst, p0, p1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** 0: done; 1: no room in the KV cache; 2: aborted; negative: invalid batch or a fatal error. */
    public int decode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) decode.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The logits of the {@code i}-th output of the last decode (a zero-length pointer; NULL for an invalid index). */
    public MemorySegment getLogitsIth(MemorySegment context, int i) {
        try {
            return (MemorySegment) getLogitsIth.invokeExact(context, i);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Runs an encoder (BERT and kin) over a batch without a KV cache; 0: done, negative: an error. */
    public int encode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) encode.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The pooled embedding of a sequence after the last encode or decode of a context made with
     * {@code embeddings} and a pooling type ({@code n_embd} floats; a zero-length pointer, NULL when there is none).
     */
    public MemorySegment getEmbeddingsSeq(MemorySegment context, int seqId) {
        try {
            return (MemorySegment) getEmbeddingsSeq.invokeExact(context, seqId);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // vocabulary

    public int vocabNTokens(MemorySegment vocab) {
        try {
            return (int) vocabNTokens.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int vocabBos(MemorySegment vocab) {
        try {
            return (int) vocabBos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int vocabEos(MemorySegment vocab) {
        try {
            return (int) vocabEos.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean vocabIsEog(MemorySegment vocab, int token) {
        try {
            return (boolean) vocabIsEog.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean vocabIsControl(MemorySegment vocab, int token) {
        try {
            return (boolean) vocabIsControl.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Token count, or minus the count needed when {@code tokens} is too small. */
    public int tokenize(MemorySegment vocab, MemorySegment text, int textLength, MemorySegment tokens, int maxTokens,
                        boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) tokenize.invokeExact(vocab, text, textLength, tokens, maxTokens, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Byte count of the piece, or minus the length needed when {@code buffer} is too small; the token must be in range. */
    public int tokenToPiece(MemorySegment vocab, int token, MemorySegment buffer, int length, int lstrip, boolean special) {
        try {
            return (int) tokenToPiece.invokeExact(vocab, token, buffer, length, lstrip, special);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // sampling

    public MemorySegment samplerChainInit(MemorySegment params) {
        try {
            return (MemorySegment) samplerChainInit.invokeExact(params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The chain takes ownership of {@code sampler}: it is freed with the chain. */
    public void samplerChainAdd(MemorySegment chain, MemorySegment sampler) {
        try {
            samplerChainAdd.invokeExact(chain, sampler);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitGreedy() {
        try {
            return (MemorySegment) samplerInitGreedy.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitDist(int seed) {
        try {
            return (MemorySegment) samplerInitDist.invokeExact(seed);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitTopK(int k) {
        try {
            return (MemorySegment) samplerInitTopK.invokeExact(k);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitTopP(float p, long minKeep) {
        try {
            return (MemorySegment) samplerInitTopP.invokeExact(p, minKeep);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitMinP(float p, long minKeep) {
        try {
            return (MemorySegment) samplerInitMinP.invokeExact(p, minKeep);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment samplerInitTemp(float t) {
        try {
            return (MemorySegment) samplerInitTemp.invokeExact(t);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    public MemorySegment samplerInitPenalties(int nVocab, int lastN, float repeat, float frequency, float presence) {
        try {
            return (MemorySegment) samplerInitPenalties.invokeExact(nVocab, lastN, repeat, frequency, presence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copies the biases: {@code biases} may be freed after the call. */
    public MemorySegment samplerInitLogitBias(int nVocab, int count, MemorySegment biases) {
        try {
            return (MemorySegment) samplerInitLogitBias.invokeExact(nVocab, count, biases);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code llama_sampler_init_grammar(vocab, grammar_str, grammar_root)}: NULL when the grammar does not
     * parse (llama.cpp logs why).
     *
     * @param grammar a NUL-terminated GBNF text
     * @param root    a NUL-terminated rule name
     */
    public MemorySegment samplerInitGrammar(MemorySegment vocab, MemorySegment grammar, MemorySegment root) {
        try {
            return (MemorySegment) samplerInitGrammar.invokeExact(vocab, grammar, root);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerApply(MemorySegment sampler, MemorySegment candidates) {
        try {
            samplerApply.invokeExact(sampler, candidates);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerAccept(MemorySegment sampler, int token) {
        try {
            samplerAccept.invokeExact(sampler, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void samplerFree(MemorySegment sampler) {
        try {
            samplerFree.invokeExact(sampler);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // quantization

    public MemorySegment modelQuantizeDefaultParams(SegmentAllocator allocator) {
        try {
            return (MemorySegment) modelQuantizeDefaultParams.invokeExact(allocator);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Rewrites the GGUF file {@code inputPath} quantized as {@code params} say into {@code outputPath}; 0 on success. */
    public int modelQuantize(MemorySegment inputPath, MemorySegment outputPath, MemorySegment params) {
        try {
            return (int) modelQuantize.invokeExact(inputPath, outputPath, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) return e;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t); // downcalls declare no checked exceptions
    }

    /** Finds symbols and makes downcall handles, naming the libraries when a symbol is missing. */
    private record Binder(SymbolLookup symbols, String whereFrom) {
        MethodHandle bind(String name, FunctionDescriptor descriptor) {
            MemorySegment address = symbols.find(name).orElseThrow(() -> new LlamaLibraryException(
                    "symbol " + name + " is missing from " + whereFrom + ": not the llama.cpp release these bindings are for ("
                            + PINNED_LLAMA_VERSION + ")"));
            return Linker.nativeLinker().downcallHandle(address, descriptor);
        }
    }
}
