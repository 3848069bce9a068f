package io.localgate.llamacpp;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.localgate.backend.SamplingParams;
import io.localgate.llamacpp.ffi.Llama;
import io.localgate.llamacpp.ffi.LlamaStructs.LogitBias;
import io.localgate.llamacpp.ffi.LlamaStructs.SamplerChainParams;
import io.localgate.llamacpp.ffi.LlamaStructs.TokenData;
import io.localgate.llamacpp.ffi.LlamaStructs.TokenDataArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One sequence's llama.cpp sampler chain, built from our {@link SamplingParams} in the order of the
 * {@code java} backend's sampler: logit bias, penalties, top-k, top-p, min-p, temperature, then a
 * seeded draw ({@code dist}); with a temperature of 0 or below, bias and penalties then {@code greedy}.
 * Settings that would do nothing are left out of the chain. A request's GBNF grammar goes to llama.cpp's
 * grammar sampler, applied before the chain (as llama.cpp's common sampler does) and advanced with every
 * chosen token; it is kept out of the chain so that the prompt fed to the penalties never reaches it.
 *
 * <p>The chain and its candidate array live in a confined arena: used and closed by the one thread
 * that decodes for the model. Closing frees the chain (with every sampler it owns).
 */
final class SamplerChain implements AutoCloseable {

    private final Llama api;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment chain;
    /** {@code llama_sampler_init_grammar}'s sampler, or null without a grammar. */
    private final MemorySegment grammar;
    /**
     * Control tokens that do not end a generation, banned under a grammar: llama.cpp's grammar matches their
     * text ({@code <|im_start|>}), but the output shows them as nothing, so they would break what the grammar
     * promised (the {@code java} backend never allows them either).
     */
    private final int[] bannedUnderGrammar;
    private final int vocabSize;
    /** {@code llama_token_data[vocabSize]}, refilled from the logits at every step. */
    private final MemorySegment candidates;
    private final MemorySegment candidateArray;
    /** The same entries as (id, logit bits, p) ints, so that one bulk copy fills {@link #candidates}. */
    private final int[] staging;

    /**
     * @param history the tokens the penalties look back on before the first sampled one (the prompt, as
     *                llama.cpp's server and the {@code java} backend do)
     * @param context the model's context size, the reach of {@code penaltyLastN = -1}
     */
    SamplerChain(Llama api, SamplingParams params, int vocabSize, int context, int[] history) {
        this(api, params, vocabSize, context, history, MemorySegment.NULL, null);
    }

    /**
     * @param vocab   the model's {@code llama_vocab}, which the grammar sampler reads token texts from
     * @param grammar a GBNF grammar with a rule {@code root}, or null for none
     * @throws IllegalArgumentException when llama.cpp does not accept the grammar
     */
    SamplerChain(Llama api, SamplingParams params, int vocabSize, int context, int[] history, MemorySegment vocab, String grammar) {
        this.api = api;
        this.vocabSize = vocabSize;
        try {
            MemorySegment chainParams = api.samplerChainDefaultParams(arena);
            SamplerChainParams.NO_PERF.set(chainParams, 0L, true);
            this.chain = nonNull(api.samplerChainInit(chainParams), "llama_sampler_chain_init").reinterpret(arena, api::samplerFree);
            if (grammar != null) {
                MemorySegment sampler = api.samplerInitGrammar(vocab, arena.allocateFrom(grammar), arena.allocateFrom("root"));
                if (sampler.equals(MemorySegment.NULL)) throw new IllegalArgumentException("llama.cpp rejected the grammar (see its log)");
                this.grammar = sampler.reinterpret(arena, api::samplerFree);
                this.bannedUnderGrammar = IntStream.range(0, vocabSize)
                        .filter(t -> api.vocabIsControl(vocab, t) && !api.vocabIsEog(vocab, t)).toArray();
            } else {
                this.grammar = null;
                this.bannedUnderGrammar = new int[0];
            }
            addBias(params.logitBias());
            if (params.penalised()) {
                int lastN = params.penaltyLastN() < 0 ? context : Math.min(params.penaltyLastN(), context);
                add(api.samplerInitPenalties(vocabSize, lastN, params.repeatPenalty(), params.frequencyPenalty(), params.presencePenalty()),
                        "penalties");
            }
            if (params.greedy()) {
                add(api.samplerInitGreedy(), "greedy");
            } else {
                if (params.topK() > 0) add(api.samplerInitTopK(params.topK()), "top_k");
                if (params.topP() < 1f) add(api.samplerInitTopP(params.topP(), 1), "top_p");
                if (params.minP() > 0f) add(api.samplerInitMinP(params.minP(), 1), "min_p");
                add(api.samplerInitTemp(params.temperature()), "temp");
                add(api.samplerInitDist(seed(params.seed())), "dist");
            }
            if (params.penalised()) {
                for (int token : history) api.samplerAccept(chain, token);
            }
            this.candidates = arena.allocate(TokenData.LAYOUT, vocabSize);
            this.candidateArray = arena.allocate(TokenDataArray.LAYOUT);
            this.staging = new int[3 * vocabSize];
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Runs the chain over a row of raw logits (not modified) and returns the chosen token, which the
     * chain then remembers (for the penalties).
     */
    int sample(float[] logits) {
        for (int i = 0; i < vocabSize; i++) {
            staging[3 * i] = i;
            staging[3 * i + 1] = Float.floatToRawIntBits(logits[i]);
            staging[3 * i + 2] = 0;
        }
        for (int token : bannedUnderGrammar) staging[3 * token + 1] = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);
        MemorySegment.copy(staging, 0, candidates, JAVA_INT, 0, staging.length);
        // samplers may move the data pointer and shrink the size, so every field is set anew
        TokenDataArray.DATA.set(candidateArray, 0L, candidates);
        TokenDataArray.SIZE.set(candidateArray, 0L, (long) vocabSize);
        TokenDataArray.SELECTED.set(candidateArray, 0L, -1L);
        TokenDataArray.SORTED.set(candidateArray, 0L, false);
        if (grammar != null) api.samplerApply(grammar, candidateArray);
        api.samplerApply(chain, candidateArray);
        long size = (long) TokenDataArray.SIZE.get(candidateArray, 0L);
        long selected = (long) TokenDataArray.SELECTED.get(candidateArray, 0L);
        if (selected < 0 || selected >= size) {
            throw new IllegalStateException("the sampler chain selected candidate " + selected + " of " + size);
        }
        MemorySegment data = ((MemorySegment) TokenDataArray.DATA.get(candidateArray, 0L)).reinterpret(TokenData.LAYOUT.byteSize() * size);
        int token = (int) TokenData.ID.get(data, selected * TokenData.LAYOUT.byteSize());
        if (grammar != null) {
            // llama.cpp aborts the process on a token its grammar cannot accept: never hand it one
            float logit = (float) TokenData.LOGIT.get(data, selected * TokenData.LAYOUT.byteSize());
            if (logit == Float.NEGATIVE_INFINITY) {
                throw new IllegalStateException("the grammar allows no token here (or logit_bias bans every one it allows)");
            }
            api.samplerAccept(grammar, token);
        }
        api.samplerAccept(chain, token);
        return token;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Only biases of tokens in the vocabulary reach llama.cpp (the {@code java} backend ignores the others too). */
    private void addBias(Map<Integer, Float> biases) {
        var inRange = biases.entrySet().stream().filter(e -> e.getKey() >= 0 && e.getKey() < vocabSize).toList();
        if (inRange.isEmpty()) return;
        MemorySegment array = arena.allocate(LogitBias.LAYOUT, inRange.size());
        for (int i = 0; i < inRange.size(); i++) {
            MemorySegment entry = array.asSlice(i * LogitBias.LAYOUT.byteSize(), LogitBias.LAYOUT);
            LogitBias.TOKEN.set(entry, 0L, (int) inRange.get(i).getKey());
            LogitBias.BIAS.set(entry, 0L, (float) inRange.get(i).getValue());
        }
        add(api.samplerInitLogitBias(vocabSize, inRange.size(), array), "logit_bias");
    }

    private void add(MemorySegment sampler, String name) {
        api.samplerChainAdd(chain, nonNull(sampler, "llama_sampler_init_" + name));
    }

    private static MemorySegment nonNull(MemorySegment pointer, String function) {
        if (pointer.equals(MemorySegment.NULL)) throw new IllegalStateException(function + " returned NULL");
        return pointer;
    }

    /**
     * llama.cpp seeds with 32 bits, and reads 0xFFFFFFFF as "pick a random seed": fold the 64-bit seed,
     * and move off that one value so that every seed stays reproducible.
     */
    static int seed(long seed) {
        int folded = Long.hashCode(seed);
        return folded == Llama.DEFAULT_SEED ? folded - 1 : folded;
    }
}
