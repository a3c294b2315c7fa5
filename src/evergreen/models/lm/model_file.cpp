#include "evergreen/models/lm/model_file.h"

#include <filesystem>

#include "evergreen/core/error.h"
#include "evergreen/models/lm/llama2c_checkpoint.h"
#include "evergreen/models/lm/lora.h"
#include "evergreen/models/lm/pretrained.h"

namespace evergreen::lm {
namespace {

bool has_suffix(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ModelFormat model_format(const std::string& path) {
  if (std::filesystem::is_directory(path) || has_suffix(path, ".safetensors"))
    return ModelFormat::kHuggingFace;
  return ModelFormat::kLlama2c;
}

Transformer load_model(const std::string& path) {
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(path), "{}: no such model file or directory", path);
  return model_format(path) == ModelFormat::kHuggingFace ? load_pretrained(path)
                                                         : load_llama2c(path);
}

void save_model(TransformerImpl& model, const std::string& path, SafetensorsDtype dtype) {
  // LoRA adapters are merged into the weights written (save_lora_adapter keeps them apart).
  if (model.has_lora()) return save_model(*merged_lora_copy(model), path, dtype);
  if (has_suffix(path, ".bin")) {
    EVERGREEN_CHECK_INPUT(dtype == SafetensorsDtype::kF32,
                          "{}: llama2.c checkpoints hold float32 weights only", path);
    save_llama2c(model, path);
  } else {
    save_pretrained(model, path, dtype);
  }
}

}  // namespace evergreen::lm
