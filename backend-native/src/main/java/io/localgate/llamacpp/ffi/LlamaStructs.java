package io.localgate.llamacpp.ffi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The C structs of {@code llama.h} (llama.cpp v0.4.0) that cross the boundary, written out field for
 * field in header order for LP64 targets (Linux and macOS on x86-64 and arm64): enums are 32-bit ints,
 * {@code bool} is one byte, {@code size_t} and pointers are 64-bit. Field names are the header's.
 * {@code LlamaStructsTest} reads the library's own defaults back through these layouts.
 */
public final class LlamaStructs {

    private LlamaStructs() {
    }

    /** {@code struct llama_model_params} (80 bytes). */
    public static final class ModelParams {
        public static final StructLayout LAYOUT = structLayout(
                ADDRESS.withName("devices"),
                ADDRESS.withName("tensor_buft_overrides"),
                JAVA_INT.withName("n_gpu_layers"),
                JAVA_INT.withName("split_mode"),
                JAVA_INT.withName("load_mode"),
                JAVA_INT.withName("lazy_mode"),
                JAVA_INT.withName("main_gpu"),
                paddingLayout(4),
                ADDRESS.withName("tensor_split"),
                ADDRESS.withName("progress_callback"),
                ADDRESS.withName("progress_callback_user_data"),
                ADDRESS.withName("kv_overrides"),
                JAVA_BOOLEAN.withName("vocab_only"),
                JAVA_BOOLEAN.withName("check_tensors"),
                JAVA_BOOLEAN.withName("use_extra_bufts"),
                JAVA_BOOLEAN.withName("no_host"),
                JAVA_BOOLEAN.withName("no_alloc"),
                JAVA_BOOLEAN.withName("load_mtp"),
                paddingLayout(2)).withName("llama_model_params");

        public static final VarHandle N_GPU_LAYERS = field(LAYOUT, "n_gpu_layers");
        public static final VarHandle VOCAB_ONLY = field(LAYOUT, "vocab_only");

        private ModelParams() {
        }
    }

    /** {@code struct llama_context_params} (160 bytes). */
    public static final class ContextParams {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_INT.withName("n_ctx"),
                JAVA_INT.withName("n_batch"),
                JAVA_INT.withName("n_ubatch"),
                JAVA_INT.withName("n_seq_max"),
                JAVA_INT.withName("n_rs_seq"),
                JAVA_INT.withName("n_outputs_max"),
                JAVA_INT.withName("n_outputs_max_per_seq"),
                JAVA_INT.withName("n_threads"),
                JAVA_INT.withName("n_threads_batch"),
                JAVA_INT.withName("ctx_type"),
                JAVA_INT.withName("rope_scaling_type"),
                JAVA_INT.withName("pooling_type"),
                JAVA_INT.withName("attention_type"),
                JAVA_INT.withName("flash_attn_type"),
                JAVA_FLOAT.withName("rope_freq_base"),
                JAVA_FLOAT.withName("rope_freq_scale"),
                JAVA_FLOAT.withName("yarn_ext_factor"),
                JAVA_FLOAT.withName("yarn_attn_factor"),
                JAVA_FLOAT.withName("yarn_beta_fast"),
                JAVA_FLOAT.withName("yarn_beta_slow"),
                JAVA_INT.withName("yarn_orig_ctx"),
                JAVA_FLOAT.withName("defrag_thold"),
                ADDRESS.withName("cb_eval"),
                ADDRESS.withName("cb_eval_user_data"),
                JAVA_INT.withName("type_k"),
                JAVA_INT.withName("type_v"),
                ADDRESS.withName("abort_callback"),
                ADDRESS.withName("abort_callback_data"),
                JAVA_BOOLEAN.withName("embeddings"),
                JAVA_BOOLEAN.withName("offload_kqv"),
                JAVA_BOOLEAN.withName("no_perf"),
                JAVA_BOOLEAN.withName("op_offload"),
                JAVA_BOOLEAN.withName("swa_full"),
                JAVA_BOOLEAN.withName("kv_unified"),
                paddingLayout(2),
                ADDRESS.withName("samplers"),
                JAVA_LONG.withName("n_samplers"),
                ADDRESS.withName("ctx_other")).withName("llama_context_params");

        public static final VarHandle N_CTX = field(LAYOUT, "n_ctx");
        public static final VarHandle N_BATCH = field(LAYOUT, "n_batch");
        public static final VarHandle N_UBATCH = field(LAYOUT, "n_ubatch");
        public static final VarHandle N_SEQ_MAX = field(LAYOUT, "n_seq_max");
        public static final VarHandle N_OUTPUTS_MAX = field(LAYOUT, "n_outputs_max");
        public static final VarHandle N_THREADS = field(LAYOUT, "n_threads");
        public static final VarHandle N_THREADS_BATCH = field(LAYOUT, "n_threads_batch");
        public static final VarHandle POOLING_TYPE = field(LAYOUT, "pooling_type");
        public static final VarHandle EMBEDDINGS = field(LAYOUT, "embeddings");
        public static final VarHandle KV_UNIFIED = field(LAYOUT, "kv_unified");

        private ContextParams() {
        }
    }

    /** {@code struct llama_sampler_chain_params} (1 byte). */
    public static final class SamplerChainParams {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_BOOLEAN.withName("no_perf")).withName("llama_sampler_chain_params");

        public static final VarHandle NO_PERF = field(LAYOUT, "no_perf");

        private SamplerChainParams() {
        }
    }

    /**
     * {@code struct llama_batch} (56 bytes): parallel arrays of {@code n_tokens} entries; we fill our
     * own arrays and pass the struct by value to {@code llama_decode}.
     */
    public static final class Batch {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_INT.withName("n_tokens"),
                paddingLayout(4),
                ADDRESS.withName("token"),
                ADDRESS.withName("embd"),
                ADDRESS.withName("pos"),
                ADDRESS.withName("n_seq_id"),
                ADDRESS.withName("seq_id"),
                ADDRESS.withName("logits")).withName("llama_batch");

        public static final VarHandle N_TOKENS = field(LAYOUT, "n_tokens");
        public static final VarHandle TOKEN = field(LAYOUT, "token");
        public static final VarHandle EMBD = field(LAYOUT, "embd");
        public static final VarHandle POS = field(LAYOUT, "pos");
        public static final VarHandle N_SEQ_ID = field(LAYOUT, "n_seq_id");
        public static final VarHandle SEQ_ID = field(LAYOUT, "seq_id");
        public static final VarHandle LOGITS = field(LAYOUT, "logits");

        private Batch() {
        }
    }

    /** {@code llama_token_data} (12 bytes): one candidate of a sampling step. */
    public static final class TokenData {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_INT.withName("id"),
                JAVA_FLOAT.withName("logit"),
                JAVA_FLOAT.withName("p")).withName("llama_token_data");

        public static final VarHandle ID = field(LAYOUT, "id");
        public static final VarHandle LOGIT = field(LAYOUT, "logit");

        private TokenData() {
        }
    }

    /** {@code llama_token_data_array} (32 bytes): the candidates a sampler chain works on. */
    public static final class TokenDataArray {
        public static final StructLayout LAYOUT = structLayout(
                ADDRESS.withName("data"),
                JAVA_LONG.withName("size"),
                JAVA_LONG.withName("selected"),
                JAVA_BOOLEAN.withName("sorted"),
                paddingLayout(7)).withName("llama_token_data_array");

        public static final VarHandle DATA = field(LAYOUT, "data");
        public static final VarHandle SIZE = field(LAYOUT, "size");
        public static final VarHandle SELECTED = field(LAYOUT, "selected");
        public static final VarHandle SORTED = field(LAYOUT, "sorted");

        private TokenDataArray() {
        }
    }

    /** {@code struct llama_model_quantize_params} (64 bytes). */
    public static final class QuantizeParams {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_INT.withName("nthread"),
                JAVA_INT.withName("ftype"),
                JAVA_INT.withName("output_tensor_type"),
                JAVA_INT.withName("token_embedding_type"),
                JAVA_BOOLEAN.withName("allow_requantize"),
                JAVA_BOOLEAN.withName("quantize_output_tensor"),
                JAVA_BOOLEAN.withName("only_copy"),
                JAVA_BOOLEAN.withName("pure"),
                JAVA_BOOLEAN.withName("keep_split"),
                JAVA_BOOLEAN.withName("dry_run"),
                paddingLayout(2),
                ADDRESS.withName("imatrix"),
                ADDRESS.withName("kv_overrides"),
                ADDRESS.withName("tt_overrides"),
                ADDRESS.withName("prune_layers"),
                JAVA_LONG.withName("max_buf_size")).withName("llama_model_quantize_params");

        public static final VarHandle NTHREAD = field(LAYOUT, "nthread");
        public static final VarHandle FTYPE = field(LAYOUT, "ftype");

        private QuantizeParams() {
        }
    }

    /** {@code llama_logit_bias} (8 bytes). */
    public static final class LogitBias {
        public static final StructLayout LAYOUT = structLayout(
                JAVA_INT.withName("token"),
                JAVA_FLOAT.withName("bias")).withName("llama_logit_bias");

        public static final VarHandle TOKEN = field(LAYOUT, "token");
        public static final VarHandle BIAS = field(LAYOUT, "bias");

        private LogitBias() {
        }
    }

    private static VarHandle field(StructLayout layout, String name) {
        return layout.varHandle(groupElement(name));
    }
}
