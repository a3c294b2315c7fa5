// A language model file by its path, whatever its format: a llama2.c checkpoint (*.bin), a
// Hugging Face directory (config.json + model.safetensors) or a .safetensors file with its
// config.json beside it.
#pragma once

#include <string>

#include "evergreen/models/lm/safetensors.h"
#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

enum class ModelFormat { kLlama2c, kHuggingFace };

/// The format `path` holds: a directory or *.safetensors is Hugging Face, anything else llama2.c.
ModelFormat model_format(const std::string& path);

/// Example:
///   Transformer model = load_model("../shared/data/lm/stories260K/stories260K.bin");
Transformer load_model(const std::string& path);

/// Writes `model` to `path`: *.bin as a llama2.c checkpoint, anything else as a Hugging Face
/// directory with weights in `dtype` (llama2.c files are float32).
void save_model(TransformerImpl& model, const std::string& path,
                SafetensorsDtype dtype = SafetensorsDtype::kF32);

}  // namespace evergreen::lm
