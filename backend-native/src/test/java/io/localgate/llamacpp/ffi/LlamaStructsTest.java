package io.localgate.llamacpp.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Our struct layouts against the real library: the {@code llama_*_default_params()} structs read back
 * through them must hold, field for field, the defaults that the pinned release sets
 * ({@code llama_model_default_params} in src/llama-model.cpp, {@code llama_context_default_params} in
 * src/llama-context.cpp, {@code llama_sampler_chain_default_params} in src/llama.cpp at 80fb11ac), and
 * the library must write no byte past our idea of the struct's size.
 */
class LlamaStructsTest {

    private static final byte GUARD = (byte) 0xA5;
    private static final long NULL = 0L;

    private final Llama api = LlamaLibrary.shared().api();

    @Test
    void modelParamsDefaults() {
        var expected = new LinkedHashMap<String, Object>();
        expected.put("devices", NULL);
        expected.put("tensor_buft_overrides", NULL);
        expected.put("n_gpu_layers", -1);
        expected.put("split_mode", 1);      // LLAMA_SPLIT_MODE_LAYER
        expected.put("load_mode", -1);      // LLAMA_LOAD_MODE_AUTO
        expected.put("lazy_mode", 1);       // LLAMA_LAZY_MODE_AUTO
        expected.put("main_gpu", 0);
        expected.put("tensor_split", NULL);
        expected.put("progress_callback", NULL);
        expected.put("progress_callback_user_data", NULL);
        expected.put("kv_overrides", NULL);
        expected.put("vocab_only", false);
        expected.put("check_tensors", false);
        expected.put("use_extra_bufts", true);
        expected.put("no_host", false);
        expected.put("no_alloc", false);
        expected.put("load_mtp", false);
        assertThat(LlamaStructs.ModelParams.LAYOUT.byteSize()).isEqualTo(80);
        checkDefaults(LlamaStructs.ModelParams.LAYOUT, api::modelDefaultParams, expected);
    }

    @Test
    void contextParamsDefaults() {
        var expected = new LinkedHashMap<String, Object>();
        expected.put("n_ctx", 512);
        expected.put("n_batch", 2048);
        expected.put("n_ubatch", 512);
        expected.put("n_seq_max", 1);
        expected.put("n_rs_seq", 0);
        expected.put("n_outputs_max", 0);
        expected.put("n_outputs_max_per_seq", 1);
        expected.put("n_threads", 4);       // GGML_DEFAULT_N_THREADS
        expected.put("n_threads_batch", 4);
        expected.put("ctx_type", 0);        // LLAMA_CONTEXT_TYPE_DEFAULT
        expected.put("rope_scaling_type", -1);
        expected.put("pooling_type", -1);
        expected.put("attention_type", -1);
        expected.put("flash_attn_type", -1); // LLAMA_FLASH_ATTN_TYPE_AUTO
        expected.put("rope_freq_base", 0f);
        expected.put("rope_freq_scale", 0f);
        expected.put("yarn_ext_factor", -1f);
        expected.put("yarn_attn_factor", -1f);
        expected.put("yarn_beta_fast", -1f);
        expected.put("yarn_beta_slow", -1f);
        expected.put("yarn_orig_ctx", 0);
        expected.put("defrag_thold", -1f);
        expected.put("cb_eval", NULL);
        expected.put("cb_eval_user_data", NULL);
        expected.put("type_k", 1);          // GGML_TYPE_F16
        expected.put("type_v", 1);
        expected.put("abort_callback", NULL);
        expected.put("abort_callback_data", NULL);
        expected.put("embeddings", false);
        expected.put("offload_kqv", true);
        expected.put("no_perf", true);
        expected.put("op_offload", true);
        expected.put("swa_full", true);
        expected.put("kv_unified", false);
        expected.put("samplers", NULL);
        expected.put("n_samplers", 0L);
        expected.put("ctx_other", NULL);
        assertThat(LlamaStructs.ContextParams.LAYOUT.byteSize()).isEqualTo(160);
        checkDefaults(LlamaStructs.ContextParams.LAYOUT, api::contextDefaultParams, expected);
    }

    @Test
    void samplerChainParamsDefaults() {
        checkDefaults(LlamaStructs.SamplerChainParams.LAYOUT, api::samplerChainDefaultParams, Map.of("no_perf", true));
    }

    /**
     * {@code llama_batch_init} fills a batch struct by value: NULL and non-NULL pointers land where our
     * layout has them, and {@code seq_id} carries the NULL sentinel after its last entry.
     */
    @Test
    void quantizeParamsDefaults() {
        var expected = new LinkedHashMap<String, Object>();
        expected.put("nthread", 0);
        expected.put("ftype", Llama.FTYPE_MOSTLY_Q8_0);
        expected.put("output_tensor_type", 43);     // GGML_TYPE_COUNT
        expected.put("token_embedding_type", 43);
        expected.put("allow_requantize", false);
        expected.put("quantize_output_tensor", true);
        expected.put("only_copy", false);
        expected.put("pure", false);
        expected.put("keep_split", false);
        expected.put("dry_run", false);
        expected.put("imatrix", NULL);
        expected.put("kv_overrides", NULL);
        expected.put("tt_overrides", NULL);
        expected.put("prune_layers", NULL);
        expected.put("max_buf_size", 8L << 30);     // LLAMA_QUANT_MAX_BUF_SIZE
        assertThat(LlamaStructs.QuantizeParams.LAYOUT.byteSize()).isEqualTo(64);
        checkDefaults(LlamaStructs.QuantizeParams.LAYOUT, api::modelQuantizeDefaultParams, expected);
    }

    @Test
    void batchLayoutMatchesLlamaBatchInit() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup llama = SymbolLookup.libraryLookup(libllama(), arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle init = linker.downcallHandle(llama.find("llama_batch_init").orElseThrow(),
                    FunctionDescriptor.of(LlamaStructs.Batch.LAYOUT, JAVA_INT, JAVA_INT, JAVA_INT));
            MethodHandle free = linker.downcallHandle(llama.find("llama_batch_free").orElseThrow(),
                    FunctionDescriptor.ofVoid(LlamaStructs.Batch.LAYOUT));

            MemorySegment tokens = (MemorySegment) init.invokeExact((SegmentAllocator) arena, 8, 0, 2);
            assertThat((int) LlamaStructs.Batch.N_TOKENS.get(tokens, 0L)).isZero();
            assertThat(pointer(tokens, LlamaStructs.Batch.TOKEN)).isNotZero();
            assertThat(pointer(tokens, LlamaStructs.Batch.EMBD)).isZero();
            assertThat(pointer(tokens, LlamaStructs.Batch.POS)).isNotZero();
            assertThat(pointer(tokens, LlamaStructs.Batch.N_SEQ_ID)).isNotZero();
            assertThat(pointer(tokens, LlamaStructs.Batch.LOGITS)).isNotZero();
            MemorySegment seqIds = ((MemorySegment) LlamaStructs.Batch.SEQ_ID.get(tokens, 0L)).reinterpret(ADDRESS.byteSize() * 9);
            for (int i = 0; i < 8; i++) assertThat(seqIds.getAtIndex(ADDRESS, i).address()).isNotZero();
            assertThat(seqIds.getAtIndex(ADDRESS, 8).address()).isZero();

            MemorySegment embeddings = (MemorySegment) init.invokeExact((SegmentAllocator) arena, 8, 16, 1);
            assertThat(pointer(embeddings, LlamaStructs.Batch.TOKEN)).isZero();
            assertThat(pointer(embeddings, LlamaStructs.Batch.EMBD)).isNotZero();

            free.invokeExact(tokens);
            free.invokeExact(embeddings);
        }
    }

    private Path libllama() throws IOException {
        try (Stream<Path> files = Files.list(LlamaLibrary.shared().directory())) {
            return files.filter(f -> f.getFileName().toString().matches("libllama(\\.v[0-9.]+)?\\.so")).findFirst().orElseThrow();
        }
    }

    private static long pointer(MemorySegment struct, java.lang.invoke.VarHandle field) {
        return ((MemorySegment) field.get(struct, 0L)).address();
    }

    /**
     * Calls a default-params function into a buffer pre-filled with a guard pattern and larger than our
     * layout: the library writes the struct straight into it (the hidden return pointer), so a struct
     * larger than our layout would show as written guard bytes.
     */
    private static void checkDefaults(StructLayout layout, Function<SegmentAllocator, MemorySegment> defaults, Map<String, Object> expected) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(layout.byteSize() + 64, 16).fill(GUARD);
            MemorySegment struct = defaults.apply((size, alignment) -> buffer.asSlice(0, size));

            var actual = new LinkedHashMap<String, Object>();
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member.name().isEmpty()) continue; // padding
                long offset = layout.byteOffset(MemoryLayout.PathElement.groupElement(member.name().get()));
                actual.put(member.name().get(), read(struct, (ValueLayout) member, offset));
            }
            assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
            if (layout.byteSize() > 16) { // larger structs come back through memory, smaller ones in registers
                assertThat(struct.address()).isEqualTo(buffer.address());
                for (long i = layout.byteSize(); i < buffer.byteSize(); i++) {
                    assertThat(buffer.get(JAVA_BYTE, i)).as("byte %d, past the %d bytes of %s", i, layout.byteSize(), layout.name().orElseThrow())
                            .isEqualTo(GUARD);
                }
            }
        }
    }

    private static Object read(MemorySegment struct, ValueLayout member, long offset) {
        return switch (member) {
            case ValueLayout.OfInt i -> struct.get(i, offset);
            case ValueLayout.OfLong l -> struct.get(l, offset);
            case ValueLayout.OfFloat f -> struct.get(f, offset);
            case ValueLayout.OfBoolean b -> {
                byte raw = struct.get(JAVA_BYTE, offset);
                assertThat(raw).as("bool %s is 0 or 1", member.name().orElseThrow()).isIn((byte) 0, (byte) 1);
                yield raw == 1;
            }
            case AddressLayout a -> struct.get(a, offset).address();
            default -> throw new IllegalArgumentException("no reader for " + member);
        };
    }
}
