#include "evergreen/models/lm/lora.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/lm/safetensors.h"
#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

void LoraOptions::check(const std::string& where) const {
  EVERGREEN_CHECK_INPUT(rank_ >= 1 && rank_ <= 4096, "{}: LoRA rank must be 1..4096, got {}", where,
                        rank_);
  EVERGREEN_CHECK_INPUT(alpha_ > 0 && std::isfinite(alpha_),
                        "{}: LoRA alpha must be a positive number, got {}", where, alpha_);
  EVERGREEN_CHECK_INPUT(!targets_.empty(), "{}: LoRA needs at least one target projection", where);
  for (const std::string& target : targets_) llama_projection_index(target, where);
}

int llama_projection_index(const std::string& name, const std::string& where) {
  for (size_t i = 0; i < kLlamaProjections.size(); ++i)
    if (name == kLlamaProjections[i]) return static_cast<int>(i);
  throw InputError(fmt::format(
      "{}: LoRA target '{}' is not a Llama projection (q_proj, k_proj, v_proj, o_proj, gate_proj, "
      "up_proj, down_proj)",
      where, quote(name)));
}

std::shared_ptr<TransformerImpl> merged_lora_copy(TransformerImpl& model) {
  auto copy = std::make_shared<TransformerImpl>(model.options());
  torch::NoGradGuard no_grad;
  auto source = model.named_parameters(/*recurse=*/true);
  for (auto& item : copy->named_parameters(/*recurse=*/true))
    item.value().copy_(source[item.key()]);
  for (int64_t layer = 0; layer < model.options().n_layers(); ++layer) {
    TransformerImpl::LlamaLayerWeights merged = model.llama_layer(layer, /*merged=*/true);
    TransformerImpl::LlamaLayerWeights target = copy->llama_layer(layer);
    target.q.copy_(merged.q);
    target.k.copy_(merged.k);
    target.v.copy_(merged.v);
    target.o.copy_(merged.o);
    target.gate.copy_(merged.gate);
    target.up.copy_(merged.up);
    target.down.copy_(merged.down);
  }
  return copy;
}

void save_lora_adapter(TransformerImpl& model, const std::string& directory) {
  EVERGREEN_CHECK_INPUT(model.has_lora(), "{}: the model has no LoRA adapter to save", directory);
  ensure_writable_directory(directory);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    if (item.key().find(".lora_A.") != std::string::npos ||
        item.key().find(".lora_B.") != std::string::npos)
      tensors.emplace_back("base_model.model." + item.key(), item.value());
  const std::filesystem::path folder(directory);
  write_safetensors((folder / "adapter_model.safetensors").string(), tensors,
                    SafetensorsDtype::kF32, {{"format", "pt"}});
  const LoraOptions& lora = model.lora();
  nlohmann::json config{{"peft_type", "LORA"},
                        {"task_type", "CAUSAL_LM"},
                        {"r", lora.rank()},
                        {"lora_alpha", lora.alpha()},
                        {"lora_dropout", 0.0},
                        {"bias", "none"},
                        {"fan_in_fan_out", false},
                        {"target_modules", lora.targets()},
                        {"base_model_name_or_path", ""}};
  write_file_atomically((folder / "adapter_config.json").string(), config.dump(2) + "\n");
}

}  // namespace evergreen::lm
