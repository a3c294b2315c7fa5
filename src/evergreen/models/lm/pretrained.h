// A transformer as Hugging Face's save_pretrained leaves it: DIR/model.safetensors holding every
// parameter under transformers' name, and DIR/config.json. Files written here load in transformers
// (LlamaForCausalLM, GPT2LMHeadModel), and the hub's single-file checkpoints of those two
// families load here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "evergreen/models/lm/safetensors.h"
#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

/// The weights file and config.json that `directory_or_file` names: DIR/model.safetensors and
/// DIR/config.json for a directory, the file itself and the config.json beside it otherwise.
/// InputError when either is absent (naming a sharded checkpoint's index, which is not read).
struct PretrainedFiles {
  std::string weights;
  std::string config;
};
PretrainedFiles pretrained_files(const std::string& directory_or_file);

/// The tensors save_pretrained writes: every named parameter, under its name (transformers'),
/// the parameter itself (no copy).
std::vector<std::pair<std::string, torch::Tensor>> pretrained_tensors(TransformerImpl& model);

/// Writes DIR/model.safetensors (the parameters as `dtype`) and DIR/config.json, creating DIR.
/// A tied Llama has no lm_head.weight, as transformers writes it with tie_word_embeddings.
///
/// Example:
///   save_pretrained(*model, "out/hf", SafetensorsDtype::kBF16);
///   // python: LlamaForCausalLM.from_pretrained("out/hf")
void save_pretrained(TransformerImpl& model, const std::string& directory,
                     SafetensorsDtype dtype = SafetensorsDtype::kF32);

/// Copies the tensors of `file` into the parameters of `model`, converting to the parameters'
/// dtype and device. Everything is checked before anything is copied; each failure is one
/// InputError naming the file and the tensor: a parameter without a tensor, a shape other than
/// the parameter's (both shapes named), an unsupported dtype, a tensor that is no parameter.
/// Accepted beyond the parameters: GPT-2 names without the "transformer." prefix (the hub's gpt2
/// files), GPT-2's attention-mask buffers h.L.attn.bias and h.L.attn.masked_bias (ignored), and
/// in a tied model an lm_head.weight equal bit for bit to the token embedding (an untied one is
/// refused: the file and config.json disagree).
void load_pretrained_weights(TransformerImpl& model, const SafetensorsFile& file);

/// The model in `directory_or_file` (see pretrained_files): config.json read, the model built,
/// its parameters loaded with load_pretrained_weights.
///
/// Example:
///   Transformer model = load_pretrained("TinyStories-1M");
Transformer load_pretrained(const std::string& directory_or_file);

}  // namespace evergreen::lm
