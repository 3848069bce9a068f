package io.localgate.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.localgate.backend.GenerationRequest;
import io.localgate.backend.SamplingParams;
import io.localgate.gateway.fake.FakeModel;
import io.localgate.gateway.fake.FakeModelFiles;
import io.localgate.gateway.generation.GenerationEvent.Done;
import io.localgate.gateway.generation.GenerationEvent.Finish;
import io.localgate.gateway.generation.GenerationEvent.Text;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class TextGenerationTest {

    private static final int[] PROMPT = {256, 'h', 'i'};

    @TempDir
    Path dir;
    private FakeModel model;

    @AfterEach
    void close() {
        if (model != null) model.close();
    }

    private FakeModel model(String... lines) {
        model = FakeModelFiles.load(FakeModelFiles.write(dir, "m.gguf", lines));
        return model;
    }

    private static String text(List<GenerationEvent> events) {
        var out = new StringBuilder();
        for (var event : events) if (event instanceof Text text) out.append(text.text());
        return out.toString();
    }

    @Test
    void whole_characters_then_the_real_counts_with_the_end_of_sequence_token_hidden() {
        var events = TextGeneration.run(model("reply=Hi 日本"), PROMPT, SamplingParams.GREEDY, 100, List.of())
                .collectList().block();
        assertThat(text(events)).isEqualTo("Hi 日本");
        assertThat(events).allSatisfy(event -> {
            if (event instanceof Text text) assertThat(text.text()).doesNotContain("\uFFFD");
        });
        // 9 bytes, one token each, plus the end-of-sequence token
        assertThat(events.getLast()).isEqualTo(new Done(Finish.STOP, 3, 10));
    }

    @Test
    void max_tokens_ends_with_length() {
        var events = TextGeneration.run(model("reply=Hello"), PROMPT, SamplingParams.GREEDY, 2, List.of())
                .collectList().block();
        assertThat(text(events)).isEqualTo("He");
        assertThat(events.getLast()).isEqualTo(new Done(Finish.LENGTH, 3, 2));
    }

    @Test
    void a_stop_string_ends_the_text_before_it_and_cancels_the_generation() {
        var fake = model("reply=one two three four five six seven", "delay_ms=5");
        var events = TextGeneration.run(fake, PROMPT, SamplingParams.GREEDY, 100, List.of(" thr", "xyz"))
                .collectList().block();
        assertThat(text(events)).isEqualTo("one two");
        assertThat(events.getLast()).isEqualTo(new Done(Finish.STOP, 3, 11));
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.cancelled() == 1 && fake.ended() == 1);
    }

    @Test
    void text_held_for_a_possible_stop_string_is_released_at_the_end() {
        var events = TextGeneration.run(model("reply=abc"), PROMPT, SamplingParams.GREEDY, 100, List.of("cd"))
                .collectList().block();
        assertThat(text(events)).isEqualTo("abc");
        assertThat(events.getLast()).isEqualTo(new Done(Finish.STOP, 3, 4));
    }

    @Test
    void cancelling_the_subscription_cancels_the_generation() {
        var fake = model("reply=a long reply that takes a while to generate", "delay_ms=20");
        StepVerifier.create(TextGeneration.run(fake, PROMPT, SamplingParams.GREEDY, 100, List.of()))
                .expectNext(new Text("a"))
                .thenCancel()
                .verify();
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.cancelled() == 1 && fake.ended() == 1);
    }

    @Test
    void a_backend_failure_is_an_error_after_the_text_so_far() {
        StepVerifier.create(TextGeneration.run(model("reply=abcdef", "fail_after=2"), PROMPT, SamplingParams.GREEDY, 100, List.of()))
                .expectNext(new Text("a"), new Text("b"))
                .expectErrorMessage("the fake engine failed after 2 tokens")
                .verify();
    }

    private static List<TokenLogprob> logprobs(List<GenerationEvent> events) {
        List<TokenLogprob> out = new java.util.ArrayList<>();
        for (var event : events) if (event instanceof Text text) out.addAll(text.logprobs());
        return out;
    }

    private static GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(PROMPT, SamplingParams.GREEDY, 100, top, new int[0]);
    }

    @Test
    void each_token_comes_with_its_logprob_and_offset_and_a_split_character_with_its_bytes() {
        var events = TextGeneration.run(model("reply=a日b"), withLogprobs(2), List.of(), true, Set.of()).collectList().block();
        var tokens = logprobs(events);
        // 'a', the three bytes of 日, 'b'; the end-of-sequence token is not shown
        assertThat(tokens).extracting(TokenLogprob::textOffset).containsExactly(0, 1, 1, 1, 2);
        assertThat(tokens.get(1).bytes()).containsExactly(0xE6);
        assertThat(tokens.get(1).token()).isEqualTo("\uFFFD");
        assertThat(tokens.getFirst().logprob()).isEqualTo(FakeModel.TOKEN_LOGPROB);
        assertThat(tokens.getFirst().top()).extracting(TokenLogprob.Alternative::token).containsExactly("a", "b");
        assertThat(text(events)).isEqualTo("a日b");
    }

    @Test
    void a_stop_strings_tokens_are_dropped_with_it() {
        var events = TextGeneration.run(model("reply=one two three"), withLogprobs(0), List.of(" tw"), true, Set.of())
                .collectList().block();
        assertThat(text(events)).isEqualTo("one");
        assertThat(logprobs(events)).extracting(TokenLogprob::token).containsExactly("o", "n", "e");
    }

    @Test
    void without_logprobs_asked_for_none_come() {
        var events = TextGeneration.run(model("reply=abc"), withLogprobs(0), List.of(), false, Set.of()).collectList().block();
        assertThat(logprobs(events)).isEmpty();
    }
}
