package io.localgate.engine;

import io.localgate.backend.Backend;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import io.localgate.backend.Tokenizer;
import io.localgate.engine.gguf.GgufException;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.grammar.TokenTrie;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.model.Architecture;
import io.localgate.engine.model.BertConfig;
import io.localgate.engine.model.BertEncoder;
import io.localgate.engine.model.BertWeights;
import io.localgate.engine.model.DecoderEmbedder;
import io.localgate.engine.model.ModelConfig;
import io.localgate.engine.model.ModelWeights;
import io.localgate.engine.model.Transformer;
import io.localgate.engine.model.UnsupportedModelException;
import io.localgate.engine.scheduler.Scheduler;
import io.localgate.engine.tensor.WorkerPool;
import io.localgate.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * The pure-Java engine as a {@link Backend} (id {@code java}): GGUF files mapped in place, computed with
 * Vector API kernels that agree with llama.cpp's CPU build bit for bit.
 */
public final class JavaBackend implements Backend {

    private static final System.Logger LOG = System.getLogger(JavaBackend.class.getName());

    /** Sequences generated at once when the model spec does not say. */
    public static final int DEFAULT_PARALLEL = 4;
    /** The largest context a model gets by default, whatever it was trained with. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;
    /** Rows in one forward step (llama.cpp's default {@code n_batch}). */
    public static final int STEP_TOKENS = 512;

    @Override
    public String id() {
        return "java";
    }

    @Override
    public ModelInfo describe(ModelSpec spec) throws ModelLoadException {
        try (GgufFile file = open(spec)) {
            return describe(spec, file);
        }
    }

    @Override
    public LoadedModel load(ModelSpec spec) throws ModelLoadException {
        GgufFile file = open(spec);
        WorkerPool pool = null;
        KvCache cache = null;
        boolean loaded = false;
        try {
            ModelInfo info = describe(spec, file);
            if (!info.supported()) throw unsupported(spec, String.join("; ", info.unsupported()), null);
            if (info.architecture().equals(BertConfig.ARCHITECTURE)) {
                LoadedModel encoder = loadEncoder(spec, file, info);
                loaded = true;
                return encoder;
            }
            Architecture architecture = Architecture.named(info.architecture()).orElseThrow();
            ModelConfig config = ModelConfig.from(file, architecture);
            ModelWeights weights = ModelWeights.load(file, config);
            Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata());
            int contextSize = spec.contextSize() > 0 ? spec.contextSize()
                    : Math.min(config.trainContextLength() > 0 ? config.trainContextLength() : DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT);
            int parallel = spec.parallel() > 0 ? spec.parallel() : DEFAULT_PARALLEL;
            int threads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
            int stepTokens = Math.max(parallel, spec.batchSize() > 0 ? spec.batchSize() : STEP_TOKENS);
            pool = new WorkerPool("localgate-" + spec.id(), threads);
            cache = new KvCache(config.layers(), parallel, contextSize, config.kvDim());
            var transformer = new Transformer(config, weights, pool, stepTokens, parallel);
            var scheduler = new Scheduler(spec.id(), transformer, cache, tokenizer::isEndOfGeneration, stepTokens,
                    TokenTrie.lazy(tokenizer));
            var model = new JavaModel(info, tokenizer, file, pool, cache, scheduler, () -> new DecoderEmbedder(config, weights,
                    new WorkerPool("localgate-" + spec.id() + "-embed", threads), contextSize, stepTokens));
            long kvBytes = 4L * config.layers() * config.kvDim() * contextSize * parallel;
            LOG.log(System.Logger.Level.INFO, () -> "java loaded " + spec.id() + ": context " + contextSize + " x " + parallel
                    + " sequences (KV cache " + (kvBytes >> 20) + " MiB), " + stepTokens + " rows per step, " + threads + " threads");
            loaded = true;
            return model;
        } catch (GgufException e) {
            throw malformed(spec, e);
        } catch (UnsupportedModelException e) {
            throw unsupported(spec, e.getMessage(), e);
        } finally {
            if (!loaded) {
                if (pool != null) pool.close();
                if (cache != null) cache.close();
                file.close();
            }
        }
    }

    /** A BERT embedding model: no KV cache or scheduler, a context of at most the model's positions. */
    private static LoadedModel loadEncoder(ModelSpec spec, GgufFile file, ModelInfo info) {
        BertConfig config = BertConfig.from(file);
        BertWeights weights = BertWeights.load(file, config);
        Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata());
        int contextSize = Math.min(spec.contextSize() > 0 ? spec.contextSize() : config.trainContextLength(), config.trainContextLength());
        int threads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
        WorkerPool pool = new WorkerPool("localgate-" + spec.id(), threads);
        try {
            return new JavaEncoderModel(info, tokenizer, file, pool, new BertEncoder(config, weights, pool, contextSize));
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static ModelInfo describe(ModelSpec spec, GgufFile file) throws ModelLoadException {
        try {
            return ModelDescriber.describe(file);
        } catch (GgufException e) {
            throw malformed(spec, e);
        }
    }

    private static GgufFile open(ModelSpec spec) throws ModelLoadException {
        try {
            return GgufFile.open(spec.file());
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(ModelLoadException.Reason.IO, "model file not found: " + spec.file(), e);
        } catch (IOException e) {
            throw new ModelLoadException(ModelLoadException.Reason.IO, "cannot read model file " + spec.file() + ": " + e.getMessage(), e);
        } catch (GgufException e) {
            throw malformed(spec, e);
        }
    }

    private static ModelLoadException unsupported(ModelSpec spec, String what, Throwable cause) {
        return new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED,
                "model " + spec.id() + " (" + spec.file() + ") cannot run on the java backend: " + what, cause);
    }

    private static ModelLoadException malformed(ModelSpec spec, GgufException e) {
        return new ModelLoadException(ModelLoadException.Reason.MALFORMED, "malformed GGUF file " + spec.file() + ": " + e.getMessage(), e);
    }
}
