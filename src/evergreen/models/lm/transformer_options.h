// The shape of a decoder-only transformer language model, for the two architectures the family
// implements: Llama (RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP) and GPT-2
// (LayerNorm, learned positions, GELU MLP). One struct so that a config.json, a llama2.c header
// and an engine config all land in the same place.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace evergreen::lm {

enum class Architecture { kLlama, kGpt2 };

/// "llama" or "gpt2".
const char* architecture_name(Architecture architecture);
/// The architecture named `name` ("llama" | "gpt2"); InputError naming `where` otherwise.
Architecture parse_architecture(const std::string& name, const std::string& where);

/// Example (stories260K):
///   auto options = TransformerOptions().vocab_size(512).dim(64).n_layers(5).n_heads(8)
///                      .n_kv_heads(4).hidden_dim(172).max_seq_len(512);
struct TransformerOptions {
  TORCH_ARG(Architecture, architecture) = Architecture::kLlama;
  TORCH_ARG(int64_t, vocab_size) = 512;
  TORCH_ARG(int64_t, dim) = 64;
  TORCH_ARG(int64_t, n_layers) = 5;
  TORCH_ARG(int64_t, n_heads) = 8;
  /// Key/value heads (grouped-query attention); equal to n_heads for GPT-2.
  TORCH_ARG(int64_t, n_kv_heads) = 8;
  /// Width of the MLP's hidden layer (Llama: intermediate_size; GPT-2: n_inner, usually 4 dim).
  TORCH_ARG(int64_t, hidden_dim) = 256;
  TORCH_ARG(int64_t, max_seq_len) = 512;
  /// RMSNorm (Llama) or LayerNorm (GPT-2) epsilon.
  TORCH_ARG(double, norm_eps) = 1e-5;
  /// Rotary base (Llama only).
  TORCH_ARG(double, rope_theta) = 10000.0;
  /// The unembedding is the token embedding (llama2.c's shared classifier, GPT-2 always).
  TORCH_ARG(bool, tied_embeddings) = true;

 public:
  int64_t head_dim() const { return dim_ / n_heads_; }
  int64_t kv_dim() const { return head_dim() * n_kv_heads_; }
  /// InputError naming `where` when the shape is impossible (heads not dividing dim, ...).
  void check(const std::string& where) const;
  /// Parameters of a model of this shape.
  int64_t parameter_count() const;
};

}  // namespace evergreen::lm
