package io.localgate.gateway.fake;

import io.localgate.backend.Backend;
import io.localgate.backend.Capability;
import io.localgate.backend.LoadedModel;
import io.localgate.backend.ModelInfo;
import io.localgate.backend.ModelLoadException;
import io.localgate.backend.ModelSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A deterministic backend for tests of the HTTP layer (id {@code fake}). Its "model files" are
 * properties files:
 * <ul>
 * <li>{@code reply}: the text every generation produces, one byte per token, then an end-of-sequence token</li>
 * <li>{@code context}: the training context (default 256)</li>
 * <li>{@code template}: the file's chat template (none by default)</li>
 * <li>{@code malformed} / {@code unsupported}: describe fails / reports this</li>
 * <li>{@code unavailable}: describe fails as a backend that cannot run here (a missing native library)</li>
 * <li>{@code fail_after}: the generation fails after this many tokens</li>
 * <li>{@code delay_ms}: pause between tokens</li>
 * <li>{@code capabilities}: comma-separated (default COMPLETION,CHAT)</li>
 * <li>{@code load_delay_ms}: how long loading takes</li>
 * </ul>
 */
public final class FakeBackend implements Backend {

    private final AtomicInteger loads = new AtomicInteger();
    private volatile ModelSpec lastLoaded;

    /** How many times {@link #load} has run. */
    public int loads() {
        return loads.get();
    }

    /** What the latest {@link #load} was asked for. */
    public ModelSpec lastLoaded() {
        return lastLoaded;
    }

    @Override
    public String id() {
        return "fake";
    }

    @Override
    public ModelInfo describe(ModelSpec spec) throws ModelLoadException {
        Properties p = read(spec);
        if (p.containsKey("malformed")) {
            throw new ModelLoadException(ModelLoadException.Reason.MALFORMED, p.getProperty("malformed"));
        }
        if (p.containsKey("unavailable")) {
            throw new ModelLoadException(ModelLoadException.Reason.UNAVAILABLE, p.getProperty("unavailable"));
        }
        List<String> unsupported = p.containsKey("unsupported") ? List.of(p.getProperty("unsupported")) : List.of();
        Set<Capability> capabilities = Arrays.stream(p.getProperty("capabilities", "COMPLETION,CHAT").split(","))
                .map(String::trim).map(Capability::valueOf).collect(Collectors.toSet());
        return new ModelInfo("fake", Optional.of(spec.id()), Integer.parseInt(p.getProperty("context", "256")),
                FakeTokenizer.VOCAB_SIZE, 8, 1000, "F32", Optional.ofNullable(p.getProperty("template")),
                Optional.of(FakeTokenizer.BOS_TEXT), Optional.of(FakeTokenizer.EOS_TEXT), capabilities, unsupported);
    }

    @Override
    public LoadedModel load(ModelSpec spec) throws ModelLoadException {
        ModelInfo info = describe(spec);
        if (!info.supported()) {
            throw new ModelLoadException(ModelLoadException.Reason.UNSUPPORTED, String.join("; ", info.unsupported()));
        }
        loads.incrementAndGet();
        lastLoaded = spec;
        Properties p = read(spec);
        try {
            Thread.sleep(Long.parseLong(p.getProperty("load_delay_ms", "0")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int context = spec.contextSize() > 0 ? spec.contextSize() : info.trainContextLength();
        return new FakeModel(info, context, p.getProperty("reply", "Hello!"),
                Integer.parseInt(p.getProperty("fail_after", "-1")), Long.parseLong(p.getProperty("delay_ms", "0")));
    }

    private static Properties read(ModelSpec spec) throws ModelLoadException {
        var properties = new Properties();
        try (Reader reader = Files.newBufferedReader(spec.file())) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ModelLoadException(ModelLoadException.Reason.IO, "cannot read " + spec.file() + ": " + e, e);
        }
        return properties;
    }
}
