// A decoder-only transformer language model: Llama or GPT-2 (TransformerOptions), with hook
// points (hooks.h), a KV cache for generation and padding masks for batches of unequal length.
//
// Parameters are named and shaped as Hugging Face's transformers names them, so safetensors files
// map one to one:
//   Llama:  model.embed_tokens.weight [V, D], model.layers.L.input_layernorm.weight,
//           model.layers.L.self_attn.{q,k,v,o}_proj.weight ([out, in]),
//           model.layers.L.post_attention_layernorm.weight,
//           model.layers.L.mlp.{gate,up,down}_proj.weight, model.norm.weight, lm_head.weight
//           (untied only). Rotary embedding in the "rotate half" convention (the llama2.c loader
//           permutes q and k from its interleaved one).
//   GPT-2:  transformer.wte.weight, transformer.wpe.weight, transformer.h.L.ln_1.{weight,bias},
//           transformer.h.L.attn.c_attn.{weight,bias} ([D, 3D]: Conv1D's [in, out]),
//           transformer.h.L.attn.c_proj, transformer.h.L.ln_2, transformer.h.L.mlp.c_fc,
//           transformer.h.L.mlp.c_proj, transformer.ln_f.{weight,bias}; the unembedding is wte.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "evergreen/models/lm/hooks.h"
#include "evergreen/models/lm/lora.h"
#include "evergreen/models/lm/transformer_options.h"

namespace evergreen::lm {

/// Keys and values of past positions, per layer: [B, n_kv_heads, capacity, head_dim], filled up
/// to `length`. `mask` [B, length] is 1 for real tokens and 0 for padding seen so far.
struct KvCache {
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
  torch::Tensor mask;
  int64_t length = 0;

  static KvCache allocate(const TransformerOptions& options, int64_t batch, int64_t capacity,
                          torch::TensorOptions tensor_options = torch::kFloat32);
  int64_t capacity() const { return keys.empty() ? 0 : keys.front().size(2); }
  int64_t batch() const { return keys.empty() ? 0 : keys.front().size(0); }
};

/// What a forward pass is given beyond the tokens.
struct ForwardContext {
  /// Past keys/values: the tokens continue the cached sequence, which is extended in place.
  KvCache* cache = nullptr;
  /// Read or change activations; nullptr (the default) costs nothing.
  Hooks* hooks = nullptr;
  /// [B, T] 1 for real tokens, 0 for padding (left or right); undefined means all real. Positions
  /// count real tokens only, so a left-padded row gives the logits the unpadded row would.
  torch::Tensor attention_mask;
  /// Logits of the last position only ([B, 1, V]): what generation needs.
  bool last_position_only = false;
};

/// Example:
///   Transformer model(TransformerOptions().dim(64).n_layers(2).n_heads(4).n_kv_heads(2));
///   torch::Tensor logits = model->forward(torch::tensor({{1, 42, 7}}));   // [1, 3, V]
class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const TransformerOptions& options);

  /// Logits [B, T, V] of `tokens` [B, T] (int64).
  torch::Tensor forward(const torch::Tensor& tokens, const ForwardContext& context = {});

  /// The final norm (RMSNorm / LayerNorm) applied to residual states [..., D].
  torch::Tensor final_norm(const torch::Tensor& residual);
  /// Residual states [..., D] to logits [..., V] through the unembedding (no norm).
  torch::Tensor unembed(const torch::Tensor& states);
  /// The unembedding matrix [V, D] (logits = states W_U^T).
  torch::Tensor unembedding_weight();
  /// The token embedding [V, D].
  torch::Tensor token_embedding_weight();

  /// The attention output projection of `layer` ([D, D] as y = W x: o_proj, or c_proj transposed
  /// view for GPT-2 — a view sharing storage, so editing it edits the model).
  torch::Tensor attention_output_weight(int64_t layer);
  /// The MLP output projection of `layer` ([D, F] as y = W x: down_proj, or c_proj transposed).
  torch::Tensor mlp_output_weight(int64_t layer);

  const TransformerOptions& options() const { return options_; }

  /// Llama blocks' weights, for the fused decoder (generation.h); empty tensors for GPT-2. With
  /// `merged`, each projection with a LoRA adapter is W + (alpha / r) B A (a new tensor).
  struct LlamaLayerWeights {
    torch::Tensor input_norm, q, k, v, o, post_attention_norm, gate, up, down;
  };
  LlamaLayerWeights llama_layer(int64_t layer, bool merged = false);

  /// Adds LoRA adapters (lora.h) to the projections `lora.targets()` of every layer and freezes
  /// every other parameter (requires_grad false). Llama only; once per model. InputError for a
  /// GPT-2 model, a second call or bad options.
  void add_lora(const LoraOptions& lora);
  bool has_lora() const { return lora_.has_value(); }
  /// The adapters' options; has_lora() must hold.
  const LoraOptions& lora() const { return *lora_; }
  torch::Tensor final_norm_weight();
  /// Rotary tables [max_seq_len, head_dim / 2] (cos, sin), float32.
  const torch::Tensor& rope_cos() const { return rope_cos_; }
  const torch::Tensor& rope_sin() const { return rope_sin_; }

 private:
  torch::Tensor block_forward(int64_t layer, torch::Tensor residual, const torch::Tensor& positions,
                              const torch::Tensor& key_padding, const ForwardContext& context,
                              int64_t past_length);
  torch::Tensor attention(int64_t layer, const torch::Tensor& normed,
                          const torch::Tensor& positions, const torch::Tensor& key_padding,
                          const ForwardContext& context, int64_t past_length);
  torch::Tensor mlp(int64_t layer, const torch::Tensor& normed, const ForwardContext& context);
  torch::Tensor norm(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias);
  /// x W^T for Llama projection `index` (kLlamaProjections) of a layer, plus its adapter's
  /// (alpha / r) x A^T B^T when it has one.
  torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight, int64_t layer,
                        int index) const;

  TransformerOptions options_;
  torch::Tensor token_embedding_;     // embed_tokens / wte
  torch::Tensor position_embedding_;  // wpe (GPT-2)
  torch::Tensor final_norm_weight_, final_norm_bias_;
  torch::Tensor lm_head_;  // untied Llama only
  struct LayerTensors {
    // Llama
    torch::Tensor input_norm, q, k, v, o, post_attention_norm, gate, up, down;
    // GPT-2 (Conv1D layout [in, out])
    torch::Tensor ln1_weight, ln1_bias, c_attn_weight, c_attn_bias, attn_proj_weight,
        attn_proj_bias, ln2_weight, ln2_bias, fc_weight, fc_bias, mlp_proj_weight, mlp_proj_bias;
  };
  std::vector<LayerTensors> layers_;
  // LoRA adapters: A [r, in] and B [out, r] per layer and Llama projection (undefined: none).
  std::optional<LoraOptions> lora_;
  std::vector<std::array<torch::Tensor, kLlamaProjections.size()>> lora_a_, lora_b_;
  torch::Tensor rope_cos_, rope_sin_;  // buffers are not parameters: computed from the options
};
TORCH_MODULE(Transformer);

}  // namespace evergreen::lm
