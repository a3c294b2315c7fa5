// The config.json Hugging Face's transformers writes beside a model's weights, to and from
// TransformerOptions: LlamaForCausalLM ("model_type": "llama") and GPT2LMHeadModel ("gpt2").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "evergreen/models/lm/safetensors.h"
#include "evergreen/models/lm/transformer_options.h"

namespace evergreen::lm {

/// The config.json of `options`, whose weights are stored as `dtype` (its "torch_dtype").
/// Llama: hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
/// num_key_value_heads, vocab_size, max_position_embeddings, rms_norm_eps, rope_theta,
/// tie_word_embeddings, hidden_act "silu", bos_token_id 1, eos_token_id 2. GPT-2: n_embd,
/// n_layer, n_head, n_inner (null when 4 n_embd), vocab_size, n_positions, layer_norm_epsilon,
/// activation_function "gelu_new", tie_word_embeddings true.
nlohmann::json hf_config_json(const TransformerOptions& options,
                              SafetensorsDtype dtype = SafetensorsDtype::kF32);

/// The options `config` describes, `where` naming it in messages (the file's path). Fields that
/// transformers itself defaults may be absent and take its defaults (Llama: num_key_value_heads =
/// num_attention_heads, rope_theta 10000, tie_word_embeddings false, hidden_act silu; GPT-2:
/// n_inner 4 n_embd, tie_word_embeddings true). InputError "WHERE: field 'F': ..." for an
/// unknown model_type, a missing required field, a field of the wrong type or out of range, and
/// for what the model does not implement: rope_scaling, attention or MLP biases in Llama, a
/// head_dim other than hidden_size / num_attention_heads, activations other than Llama's silu
/// and GPT-2's tanh-approximated GELU (gelu_new, gelu_pytorch_tanh), untied GPT-2 embeddings.
TransformerOptions parse_hf_config(const nlohmann::json& config, const std::string& where);

/// Writes hf_config_json(options, dtype) to `file`, indented, atomically.
void write_hf_config(const std::string& file, const TransformerOptions& options,
                     SafetensorsDtype dtype = SafetensorsDtype::kF32);

/// Reads and parses `file`; InputError "FILE: ..." when it is absent, not JSON, or refused.
///
/// Example:
///   TransformerOptions options = read_hf_config("TinyStories-1M/config.json");
TransformerOptions read_hf_config(const std::string& file);

}  // namespace evergreen::lm
