package io.localgate.gateway.fake;

import io.localgate.backend.FinishReason;
import io.localgate.backend.Generation;
import io.localgate.backend.GenerationRequest;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelStats;
import io.localgate.backend.TokenEvent;
import io.localgate.backend.TokenPublisher;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Generates its reply byte by byte on its own thread, as a real engine generates on its compute thread. */
public final class FakeModel implements LoadedModel {

    private final ModelInfo info;
    private final int contextSize;
    private final byte[] reply;
    private final int failAfter;
    private final long delayMillis;
    private final FakeTokenizer tokenizer = new FakeTokenizer();
    private final ExecutorService engine = Executors.newCachedThreadPool(r -> {
        var thread = new Thread(r, "fake-engine");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<GenerationRequest> lastRequest = new AtomicReference<>();

    FakeModel(ModelInfo info, int contextSize, String reply, int failAfter, long delayMillis) {
        this.info = info;
        this.contextSize = contextSize;
        this.reply = reply.getBytes(StandardCharsets.UTF_8);
        this.failAfter = failAfter;
        this.delayMillis = delayMillis;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public FakeTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int contextSize() {
        return contextSize;
    }

    /** Generations cancelled by their consumer so far. */
    public int cancelled() {
        return cancelled.get();
    }

    /** Generation loops that have stopped running, for whatever reason. */
    public int ended() {
        return ended.get();
    }

    /** Generation loops running now, as the active sequences of its {@link #stats()}. */
    @Override
    public ModelStats stats() {
        return new ModelStats(0, running.get(), 0, 0, 0, 0, 0, 0);
    }

    public GenerationRequest lastRequest() {
        return lastRequest.get();
    }

    @Override
    public Generation submit(GenerationRequest request) {
        int[] prompt = request.prompt();
        if (prompt.length >= contextSize) throw new IllegalArgumentException("prompt does not fit the context");
        lastRequest.set(request);
        var holder = new AtomicReference<TokenPublisher>();
        var publisher = new TokenPublisher(() -> engine.execute(() -> generate(holder.get(), prompt.length, request.maxTokens())),
                cancelled::incrementAndGet);
        holder.set(publisher);
        return publisher;
    }

    private void generate(TokenPublisher out, int promptTokens, int maxTokens) {
        int generated = 0;
        running.incrementAndGet();
        try {
            for (int i = 0; i <= reply.length; i++) {
                if (out.isCancelled()) return;
                if (generated == maxTokens || promptTokens + generated == contextSize) {
                    out.emit(new TokenEvent.Finished(FinishReason.LENGTH, promptTokens, 0, generated));
                    out.complete();
                    return;
                }
                if (generated == failAfter) {
                    out.fail(new IllegalStateException("the fake engine failed after " + failAfter + " tokens"));
                    return;
                }
                int token = i < reply.length ? reply[i] & 0xFF : FakeTokenizer.EOS;
                generated++;
                out.emit(new TokenEvent.Token(token, 0f, List.of()));
                if (delayMillis > 0) Thread.sleep(delayMillis);
            }
            out.emit(new TokenEvent.Finished(FinishReason.STOP, promptTokens, 0, generated));
            out.complete();
        } catch (InterruptedException e) {
            out.fail(e);
        } finally {
            running.decrementAndGet();
            ended.incrementAndGet();
        }
    }

    @Override
    public void close() {
        engine.shutdownNow();
    }
}
