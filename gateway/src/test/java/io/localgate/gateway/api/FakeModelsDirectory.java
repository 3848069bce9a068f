package io.localgate.gateway.api;

import io.localgate.gateway.fake.FakeModelFiles;
import java.nio.file.Path;

/** A models directory of fake models (backend {@code fake}) for the HTTP tests, under {@code target/}. */
final class FakeModelsDirectory {

    /** What every working fake model generates: multi-byte characters, so pieces split them. */
    static final String REPLY = "Hello, wörld! 日本語 END of the reply.";

    private FakeModelsDirectory() {
    }

    static Path create(String name) {
        Path dir = SdkTestSupport.emptyModelsDirectory(name);
        FakeModelFiles.write(dir, "tiny.gguf", "reply=" + REPLY, "context=256");
        FakeModelFiles.write(dir, "slow.gguf", "reply=" + REPLY.repeat(20), "delay_ms=25", "context=2048");
        FakeModelFiles.write(dir, "failing.gguf", "reply=abcdef", "fail_after=3");
        FakeModelFiles.write(dir, "small-context.gguf", "reply=" + REPLY, "context=48");
        FakeModelFiles.write(dir, "broken.gguf", "malformed=bad magic 0x46554747 at offset 0");
        FakeModelFiles.write(dir, "exotic.gguf", "unsupported=tensor type IQ4_NL (blk.0.attn_q.weight)");
        FakeModelFiles.write(dir, "embedder.gguf", "capabilities=EMBEDDINGS");
        FakeModelFiles.write(dir, "offline.gguf", "unavailable=the fake backend's library is missing from /opt/none");
        FakeModelFiles.write(dir, "strict.gguf", "reply=" + REPLY);
        FakeModelFiles.write(dir, "strict.yaml", "template: \"{{ raise_exception('Conversation roles must alternate user/assistant') }}\"");
        FakeModelFiles.write(dir, "tuned.yaml",
                "file: tiny.gguf",
                "aliases: [gpt-4o-mini]",
                "defaults:",
                "  temperature: 0",
                "  stop: [\"!\"]");
        FakeModelFiles.write(dir, "misconfigured.yaml", "file: tiny.gguf", "context_sise: 100");
        return dir;
    }
}
