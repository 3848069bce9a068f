package io.localgate.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.localgate.backend.SamplingParams;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1f, 3f, 2f, 3f, -1f, 0.5f};

    private static SamplingParams params(float temperature, int topK, float topP, float minP, long seed) {
        return new SamplingParams(temperature, topK, topP, minP, seed, 1f, 64, 0f, 0f, Map.of());
    }

    @Test
    void greedyTakesTheFirstHighestLogit() {
        var sampler = new Sampler(SamplingParams.GREEDY, LOGITS.length, new int[0]);
        assertThat(sampler.sample(LOGITS, 0).token()).isEqualTo(1);
    }

    @Test
    void reportsTheModelsOwnLogProbabilities() {
        var sampler = new Sampler(SamplingParams.GREEDY, LOGITS.length, new int[0]);
        Sampler.Choice choice = sampler.sample(LOGITS, 3);
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        assertThat(choice.logprob()).isCloseTo((float) (3 - Math.log(z)), within(1e-5f));
        assertThat(choice.top()).extracting(a -> a.id()).containsExactly(1, 3, 2);
        assertThat(choice.top().get(2).logprob()).isCloseTo((float) (2 - Math.log(z)), within(1e-5f));
    }

    @Test
    void logitBiasCanBanAndForceTokens() {
        var ban = new SamplingParams(0f, 0, 1f, 0f, 0, 1f, 64, 0f, 0f, Map.of(1, Float.NEGATIVE_INFINITY, 3, -100f));
        assertThat(new Sampler(ban, LOGITS.length, new int[0]).sample(LOGITS, 0).token()).isEqualTo(2);
        var force = new SamplingParams(1f, 0, 1f, 0f, 7, 1f, 64, 0f, 0f, Map.of(4, 100f));
        assertThat(new Sampler(force, LOGITS.length, new int[0]).sample(LOGITS, 0).token()).isEqualTo(4);
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        // token 1 was in the prompt twice: 3 / 2 (repeat) - 2 * 0.5 (frequency) - 0.25 (presence) = -0.25
        var penalised = new SamplingParams(0f, 0, 1f, 0f, 0, 2f, 64, 0.25f, 0.5f, Map.of());
        var sampler = new Sampler(penalised, LOGITS.length, new int[] {1, 1, 3});
        // token 3: 3 / 2 - 0.5 - 0.25 = 0.75; token 2 (2.0) now wins
        assertThat(sampler.sample(LOGITS, 0).token()).isEqualTo(2);
        // negative logits are multiplied: token 4 in history goes from -1 to -2 - ...
        var repeatOnly = new SamplingParams(0f, 0, 1f, 0f, 0, 2f, 64, 0f, 0f, Map.of());
        float[] negative = {-1f, -1.5f};
        assertThat(new Sampler(repeatOnly, 2, new int[] {0}).sample(negative, 0).token()).isEqualTo(1);
    }

    @Test
    void penaltiesLookOnlyAtTheLastNTokens() {
        var lastTwo = new SamplingParams(0f, 0, 1f, 0f, 0, 1f, 2, 10f, 0f, Map.of());
        var sampler = new Sampler(lastTwo, LOGITS.length, new int[] {1, 0, 5});
        // token 1 left the window of 2, so it is not penalised and wins
        assertThat(sampler.sample(LOGITS, 0).token()).isEqualTo(1);
        // now the window is [5, 1]: token 1 is penalised, token 3 wins
        assertThat(sampler.sample(LOGITS, 0).token()).isEqualTo(3);
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        float[] flat = new float[100];
        for (int i = 0; i < flat.length; i++) flat[i] = (float) Math.sin(i);
        var a = new Sampler(params(1.5f, 0, 1f, 0f, 1234), flat.length, new int[0]);
        var b = new Sampler(params(1.5f, 0, 1f, 0f, 1234), flat.length, new int[0]);
        var c = new Sampler(params(1.5f, 0, 1f, 0f, 999), flat.length, new int[0]);
        int[] fromA = new int[50], fromB = new int[50], fromC = new int[50];
        for (int i = 0; i < 50; i++) {
            fromA[i] = a.sample(flat, 0).token();
            fromB[i] = b.sample(flat, 0).token();
            fromC[i] = c.sample(flat, 0).token();
        }
        assertThat(fromA).containsExactly(fromB);
        assertThat(fromA).isNotEqualTo(fromC);
    }

    @Test
    void drawsFollowTheSoftmaxAtTheGivenTemperature() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(5)}; // probabilities 1:2:5 at temperature 1
        var sampler = new Sampler(params(1f, 0, 1f, 0f, 42), 3, new int[0]);
        int[] counts = new int[3];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) counts[sampler.sample(logits, 0).token()]++;
        assertThat(counts[0] / (double) draws).isCloseTo(1 / 8.0, within(0.01));
        assertThat(counts[1] / (double) draws).isCloseTo(2 / 8.0, within(0.01));
        assertThat(counts[2] / (double) draws).isCloseTo(5 / 8.0, within(0.01));

        // at temperature 0.5 the probabilities become 1:4:25
        var colder = new Sampler(params(0.5f, 0, 1f, 0f, 42), 3, new int[0]);
        int best = 0;
        for (int i = 0; i < draws; i++) if (colder.sample(logits, 0).token() == 2) best++;
        assertThat(best / (double) draws).isCloseTo(25 / 30.0, within(0.01));
    }

    @Test
    void topKTopPAndMinPCutTheTail() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(5), (float) Math.log(12)}; // p = 1,2,5,12 / 20
        assertThat(tokensSeen(params(1f, 2, 1f, 0f, 1), logits)).containsExactly(false, false, true, true);
        // top-p 0.55: 0.6 alone reaches it
        assertThat(tokensSeen(params(1f, 0, 0.55f, 0f, 1), logits)).containsExactly(false, false, false, true);
        // top-p 0.8: 0.6 + 0.25 >= 0.8
        assertThat(tokensSeen(params(1f, 0, 0.8f, 0f, 1), logits)).containsExactly(false, false, true, true);
        // min-p 0.15: keep p >= 0.15 * 0.6 = 0.09 -> 2/20 = 0.1 stays, 1/20 goes
        assertThat(tokensSeen(params(1f, 0, 1f, 0.15f, 1), logits)).containsExactly(false, true, true, true);
        assertThat(tokensSeen(params(1f, 1, 1f, 0f, 1), logits)).containsExactly(false, false, false, true);
    }

    @Test
    void topKBreaksTiesByTokenId() {
        float[] ties = {5f, 5f, 5f, 1f};
        assertThat(tokensSeen(params(1f, 2, 1f, 0f, 3), ties)).containsExactly(true, true, false, false);
    }

    @Test
    void topPOverAWideNucleusKeepsExactlyTheSmallestPrefixReachingTheMass() {
        // 3000 tokens with distinct, slowly falling logits: the nucleus holds hundreds of tokens
        int v = 3000;
        float[] logits = new float[v];
        var random = new java.util.SplittableRandom(5);
        for (int i = 0; i < v; i++) logits[i] = (float) (random.nextDouble() * 4);
        float topP = 0.6f;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        double total = 0;
        for (float l : logits) total += Math.exp(l);
        var nucleus = new java.util.HashSet<Integer>();
        double cumulative = 0;
        for (int token : order) {
            nucleus.add(token);
            cumulative += Math.exp(logits[token]) / total;
            if (cumulative >= topP) break;
        }
        assertThat(nucleus.size()).isGreaterThan(100);
        var sampler = new Sampler(params(1f, 0, topP, 0f, 11), v, new int[0]);
        var seen = new java.util.HashSet<Integer>();
        for (int i = 0; i < 20_000; i++) seen.add(sampler.sample(logits, 0).token());
        assertThat(nucleus).containsAll(seen);
        assertThat(seen.size()).isGreaterThan(nucleus.size() * 9 / 10);
        // the last token in (the one that completes the mass) is reachable, the first one out is not
        int lastIn = order[nucleus.size() - 1];
        int firstOut = order[nucleus.size()];
        assertThat(seen).doesNotContain(firstOut).contains(lastIn);
    }

    @Test
    void aGrammarLimitsTheDrawToTheTokensItAllows() {
        // a toy vocabulary: token i is the i-th of these texts; EOS is token 0
        String[] texts = {"", "{", "}", "\"", "a", "b", ":", " ", "1", "x"};
        var tokenizer = new ToyTokenizer(texts);
        var grammar = io.localgate.engine.grammar.Grammar.parse("root ::= \"{\" \"\\\"\" [ab]{1,3} \"\\\":\" \" \"? [1]+ \"}\"");
        var trie = io.localgate.engine.grammar.TokenTrie.of(tokenizer);
        for (long seed = 0; seed < 30; seed++) {
            var matcher = new io.localgate.engine.grammar.GrammarMatcher(grammar, trie);
            var sampler = new Sampler(params(1.5f, 0, 1f, 0f, seed), texts.length, new int[0], matcher);
            float[] flat = new float[texts.length];
            var out = new StringBuilder();
            for (int step = 0; step < 40; step++) {
                int token = sampler.sample(flat, 0).token();
                if (token == 0) break;
                out.append(texts[token]);
            }
            assertThat(out.toString()).matches("\\{\"[ab]{1,3}\": ?1+}");
        }
    }

    /** Texts as tokens; token 0 ends the generation. */
    private record ToyTokenizer(String[] texts) implements io.localgate.backend.Tokenizer {
        @Override public int vocabSize() { return texts.length; }
        @Override public int[] encode(String text, boolean addSpecial, boolean parseSpecial) { throw new UnsupportedOperationException(); }
        @Override public byte[] piece(int token, boolean special) { return texts[token].getBytes(java.nio.charset.StandardCharsets.UTF_8); }
        @Override public int bos() { return -1; }
        @Override public int eos() { return 0; }
        @Override public boolean isEndOfGeneration(int token) { return token == 0; }
        @Override public boolean isControl(int token) { return token == 0; }
    }

    private static boolean[] tokensSeen(SamplingParams params, float[] logits) {
        var sampler = new Sampler(params, logits.length, new int[0]);
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < 5000; i++) seen[sampler.sample(logits, 0).token()] = true;
        return seen;
    }
}
