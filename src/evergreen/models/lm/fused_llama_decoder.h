// One decoding step of a Llama model as a single fused loop nest over raw float arrays, for
// generation on a CPU. Small models are dominated by the fixed cost of each tensor operation
// (~90 of them per token for a 5-layer model); this step pays none, and its dot products use
// eight partial sums so that the compiler vectorises them (the file is built with the kernel
// flags of CMakeLists.txt and includes no LibTorch header).
//
// Layouts are those of TransformerImpl (rotate-half rotary, q/k/v/o as [out, in]) and KvCache
// ([B, n_kv_heads, capacity, head_dim] per layer), so the fused step and the tensor forward pass
// continue each other's caches. generation.cpp gathers the pointers.
#pragma once

#include <cstdint>
#include <vector>

namespace evergreen::lm {

struct FusedLlamaWeights {
  int64_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0;
  float norm_eps = 1e-5f;
  const float* token_embedding = nullptr;  // [V, D]
  const float* unembedding = nullptr;      // [V, D]
  const float* final_norm = nullptr;       // [D]
  const float* rope_cos = nullptr;         // [max_seq_len, head_dim / 2]
  const float* rope_sin = nullptr;
  struct Layer {
    const float *input_norm, *q, *k, *v, *o, *post_attention_norm, *gate, *up, *down;
  };
  std::vector<Layer> layers;
};

/// The KV cache seen as float arrays: per layer [B, n_kv_heads, capacity, head_dim].
struct FusedKvCache {
  std::vector<float*> keys, values;
  int64_t capacity = 0;
};

/// Work buffers, sized on first use and kept between steps.
struct FusedScratch {
  std::vector<float> residual, normed, query, key, value, heads_out, projected, gate, up, scores;
};

/// Decodes `batch` rows one token each: row b's token tokens[b] is written at cache column
/// `column` with rotary position positions[b]; it attends to the columns j <= column whose
/// key_valid[b * column_stride + j] is non-zero (all when key_valid is null; the new column is
/// always valid). Writes logits [batch, vocab_size].
void fused_llama_decode_step(const FusedLlamaWeights& weights, const FusedKvCache& cache,
                             int64_t batch, const int64_t* tokens, const int64_t* positions,
                             int64_t column, const uint8_t* key_valid, int64_t column_stride,
                             float* logits, FusedScratch& scratch);

}  // namespace evergreen::lm
