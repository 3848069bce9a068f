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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Generates its reply byte by byte on its own thread, as a real engine generates on its compute thread. */
public final class FakeModel implements LoadedModel {

    /** The log-probability every generated token reports. */
    public static final float TOKEN_LOGPROB = -0.25f;

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
    private final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();

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

    /** Every request submitted so far, in order. */
    public List<GenerationRequest> requests() {
        return List.copyOf(requests);
    }

    @Override
    public Generation submit(GenerationRequest request) {
        int[] prompt = request.prompt();
        if (prompt.length >= contextSize) throw new IllegalArgumentException("prompt does not fit the context");
        lastRequest.set(request);
        requests.add(request);
        var holder = new AtomicReference<TokenPublisher>();
        var publisher = new TokenPublisher(() -> engine.execute(() -> generate(holder.get(), prompt.length, request.maxTokens(),
                        request.topLogprobs())),
                cancelled::incrementAndGet);
        holder.set(publisher);
        return publisher;
    }

    /**
     * Each token's log-probability is -0.25, with {@code topLogprobs} alternatives: the token itself, then the
     * next byte values, each 0.5 less likely.
     */
    private void generate(TokenPublisher out, int promptTokens, int maxTokens, int topLogprobs) {
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
                List<TokenEvent.Alternative> top = new ArrayList<>();
                for (int k = 0; k < topLogprobs; k++) top.add(new TokenEvent.Alternative((token + k) % FakeTokenizer.BOS, -0.25f - 0.5f * k));
                out.emit(new TokenEvent.Token(token, TOKEN_LOGPROB, top));
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
