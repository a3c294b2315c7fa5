// LoRA (Hu et al. 2021): low-rank adapters on a frozen transformer's projections. A projection
// y = W x becomes y = W x + (alpha / r) B A x with A [r, in] and B [out, r] trained and W frozen;
// B starts at zero, so an adapted model starts as the model it adapts. Named as PEFT names them
// (model.layers.L.self_attn.q_proj.lora_A.weight), so an adapter saved apart loads with PEFT.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

namespace evergreen::lm {

class TransformerImpl;

struct LoraOptions {
  TORCH_ARG(int64_t, rank) = 8;
  TORCH_ARG(double, alpha) = 16.0;
  /// Llama projections, as Hugging Face names them: q_proj, k_proj, v_proj, o_proj, gate_proj,
  /// up_proj, down_proj.
  TORCH_ARG(std::vector<std::string>, targets) = std::vector<std::string>{"q_proj", "v_proj"};

 public:
  double scale() const { return alpha_ / static_cast<double>(rank_); }
  /// InputError naming `where` for a rank below 1, a non-positive alpha or an unknown target.
  void check(const std::string& where) const;
};

/// The Llama projections adapters can sit on, in the order of TransformerImpl's layer tensors.
inline constexpr std::array<const char*, 7> kLlamaProjections = {
    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

/// The index of `name` in kLlamaProjections; InputError naming `where` and the valid names.
int llama_projection_index(const std::string& name, const std::string& where);

/// A model without adapters whose weights are `model`'s with every adapter merged in
/// (W + (alpha / r) B A): what "merged on save" writes.
std::shared_ptr<TransformerImpl> merged_lora_copy(TransformerImpl& model);

/// Writes `model`'s adapters apart, as PEFT saves them: DIR/adapter_model.safetensors (keys
/// "base_model.model.<parameter name>") and DIR/adapter_config.json.
void save_lora_adapter(TransformerImpl& model, const std::string& directory);

}  // namespace evergreen::lm
