package io.localgate.engine.model;

import io.localgate.engine.SharedModels;
import io.localgate.engine.gguf.GgufFile;
import io.localgate.engine.kv.KvCache;
import io.localgate.engine.tensor.WorkerPool;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A shared test model opened straight into a {@link Transformer}, with a KV cache of a few slots. */
final class LoadedTransformer implements AutoCloseable {

    final GgufFile file;
    final WorkerPool pool;
    final Transformer transformer;
    final KvCache cache;

    LoadedTransformer(String fileName, int threads, int slots, int contextSize, int maxRows, int maxOutputs) {
        try {
            file = GgufFile.open(SharedModels.model(fileName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Architecture architecture = Architecture.named(file.metadata().getString("general.architecture")).orElseThrow();
        ModelConfig config = ModelConfig.from(file, architecture);
        pool = new WorkerPool(fileName, threads);
        transformer = new Transformer(config, ModelWeights.load(file, config), pool, maxRows, maxOutputs);
        cache = new KvCache(config.layers(), slots, contextSize, config.kvDim());
    }

    ModelConfig config() {
        return transformer.config();
    }

    static int argmax(Logits logits, int row) {
        int best = 0;
        for (int t = 1; t < logits.vocabSize(); t++) {
            if (logits.get(row, t) > logits.get(row, best)) best = t;
        }
        return best;
    }

    @Override
    public void close() {
        cache.close();
        pool.close();
        file.close();
    }
}
