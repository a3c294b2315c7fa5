#include "evergreen/models/lm/hf_config.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/data/io/input_file.h"

namespace evergreen::lm {
namespace {

std::string json_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return fmt::format("the string '{}'", quote(value.get<std::string>(), 40));
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return value.dump();
    default:
      return "binary data";
  }
}

/// The fields of one config.json, each read with a message naming the file and the field.
class ConfigFields {
 public:
  ConfigFields(const nlohmann::json& config, const std::string& where, std::string model)
      : config_(config), where_(where), model_(std::move(model)) {}

  /// The field's value, or nullptr when absent or null (transformers' "use the default").
  const nlohmann::json* optional(const char* field) const {
    auto found = config_.find(field);
    return found == config_.end() || found->is_null() ? nullptr : &*found;
  }

  const nlohmann::json& required(const char* field) const {
    const nlohmann::json* value = optional(field);
    EVERGREEN_CHECK_INPUT(value != nullptr, "{}: field '{}' is missing ({} needs it)", where_,
                          field, model_);
    return *value;
  }

  int64_t positive_integer(const nlohmann::json& value, const char* field) const {
    // nlohmann keeps parsed non-negative integers unsigned, built ones signed.
    const bool positive =
        value.is_number_unsigned()
            ? value.get<uint64_t>() - 1 < static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
            : value.is_number_integer() && value.get<int64_t>() > 0;
    EVERGREEN_CHECK_INPUT(positive, "{}: field '{}' is {}, expected a positive integer", where_,
                          field, json_kind(value));
    return value.get<int64_t>();
  }
  int64_t positive_integer(const char* field) const {
    return positive_integer(required(field), field);
  }
  int64_t positive_integer(const char* field, int64_t otherwise) const {
    const nlohmann::json* value = optional(field);
    return value ? positive_integer(*value, field) : otherwise;
  }

  double positive_number(const nlohmann::json& value, const char* field) const {
    EVERGREEN_CHECK_INPUT(
        value.is_number() && std::isfinite(value.get<double>()) && value.get<double>() > 0,
        "{}: field '{}' is {}, expected a positive number", where_, field, json_kind(value));
    return value.get<double>();
  }
  double positive_number(const char* field) const {
    return positive_number(required(field), field);
  }
  double positive_number(const char* field, double otherwise) const {
    const nlohmann::json* value = optional(field);
    return value ? positive_number(*value, field) : otherwise;
  }

  bool boolean(const char* field, bool otherwise) const {
    const nlohmann::json* value = optional(field);
    if (!value) return otherwise;
    EVERGREEN_CHECK_INPUT(value->is_boolean(), "{}: field '{}' is {}, expected true or false",
                          where_, field, json_kind(*value));
    return value->get<bool>();
  }

  std::string string(const char* field, const std::string& otherwise) const {
    const nlohmann::json* value = optional(field);
    if (!value) return otherwise;
    EVERGREEN_CHECK_INPUT(value->is_string(), "{}: field '{}' is {}, expected a string", where_,
                          field, json_kind(*value));
    return value->get<std::string>();
  }

  /// Refuses a feature the model does not implement, which `field` turns on when `value` says so.
  void refuse(bool enabled, const char* field, const std::string& why) const {
    EVERGREEN_CHECK_INPUT(!enabled, "{}: field '{}' is {}: {}", where_, field,
                          json_kind(config_.at(field)), why);
  }

 private:
  const nlohmann::json& config_;
  const std::string& where_;
  std::string model_;
};

TransformerOptions parse_llama(const ConfigFields& fields) {
  TransformerOptions options;
  options.architecture(Architecture::kLlama);
  options.dim(fields.positive_integer("hidden_size"));
  options.hidden_dim(fields.positive_integer("intermediate_size"));
  options.n_layers(fields.positive_integer("num_hidden_layers"));
  options.n_heads(fields.positive_integer("num_attention_heads"));
  options.n_kv_heads(fields.positive_integer("num_key_value_heads", options.n_heads()));
  options.vocab_size(fields.positive_integer("vocab_size"));
  options.max_seq_len(fields.positive_integer("max_position_embeddings"));
  options.norm_eps(fields.positive_number("rms_norm_eps"));
  options.rope_theta(fields.positive_number("rope_theta", 10000.0));
  options.tied_embeddings(fields.boolean("tie_word_embeddings", false));

  const std::string activation = fields.string("hidden_act", "silu");
  fields.refuse(activation != "silu", "hidden_act", "the Llama MLP is implemented with silu only");
  fields.refuse(fields.optional("rope_scaling") != nullptr, "rope_scaling",
                "rope scaling is not supported (plain rotary positions only)");
  fields.refuse(fields.boolean("attention_bias", false), "attention_bias",
                "attention projections with biases are not supported");
  fields.refuse(fields.boolean("mlp_bias", false), "mlp_bias",
                "MLP projections with biases are not supported");
  if (fields.optional("head_dim") != nullptr) {
    const int64_t head_dim = fields.positive_integer("head_dim", 0);
    fields.refuse(
        options.dim() % options.n_heads() != 0 || head_dim != options.dim() / options.n_heads(),
        "head_dim",
        fmt::format("a head dimension other than hidden_size / num_attention_heads "
                    "({} / {}) is not supported",
                    options.dim(), options.n_heads()));
  }
  return options;
}

TransformerOptions parse_gpt2(const ConfigFields& fields) {
  TransformerOptions options;
  options.architecture(Architecture::kGpt2);
  options.dim(fields.positive_integer("n_embd"));
  options.n_layers(fields.positive_integer("n_layer"));
  options.n_heads(fields.positive_integer("n_head"));
  options.n_kv_heads(options.n_heads());
  options.hidden_dim(fields.positive_integer("n_inner", 4 * options.dim()));
  options.vocab_size(fields.positive_integer("vocab_size"));
  options.max_seq_len(fields.positive_integer("n_positions"));
  options.norm_eps(fields.positive_number("layer_norm_epsilon"));
  options.tied_embeddings(true);

  const std::string activation = fields.string("activation_function", "gelu_new");
  // gelu_new and gelu_pytorch_tanh are the same tanh approximation, which the model computes;
  // "gelu" (the exact erf form) would differ in the fourth digit.
  fields.refuse(activation != "gelu_new" && activation != "gelu_pytorch_tanh",
                "activation_function",
                "GPT-2's MLP is implemented with the tanh-approximated GELU only (gelu_new, "
                "gelu_pytorch_tanh)");
  fields.refuse(!fields.boolean("tie_word_embeddings", true), "tie_word_embeddings",
                "GPT-2's unembedding is its token embedding");
  fields.refuse(!fields.boolean("scale_attn_weights", true), "scale_attn_weights",
                "unscaled attention is not supported");
  fields.refuse(fields.boolean("scale_attn_by_inverse_layer_idx", false),
                "scale_attn_by_inverse_layer_idx",
                "attention scaled by the layer index is not supported");
  fields.refuse(fields.boolean("add_cross_attention", false), "add_cross_attention",
                "cross-attention is not supported");
  return options;
}

}  // namespace

nlohmann::json hf_config_json(const TransformerOptions& options, SafetensorsDtype dtype) {
  if (options.architecture() == Architecture::kLlama) {
    return {{"architectures", {"LlamaForCausalLM"}},
            {"model_type", "llama"},
            {"hidden_size", options.dim()},
            {"intermediate_size", options.hidden_dim()},
            {"num_hidden_layers", options.n_layers()},
            {"num_attention_heads", options.n_heads()},
            {"num_key_value_heads", options.n_kv_heads()},
            {"vocab_size", options.vocab_size()},
            {"max_position_embeddings", options.max_seq_len()},
            {"rms_norm_eps", options.norm_eps()},
            {"rope_theta", options.rope_theta()},
            {"tie_word_embeddings", options.tied_embeddings()},
            {"hidden_act", "silu"},
            {"torch_dtype", safetensors_torch_dtype_name(dtype)},
            {"bos_token_id", 1},
            {"eos_token_id", 2}};
  }
  const bool default_inner = options.hidden_dim() == 4 * options.dim();
  return {
      {"architectures", {"GPT2LMHeadModel"}},
      {"model_type", "gpt2"},
      {"n_embd", options.dim()},
      {"n_layer", options.n_layers()},
      {"n_head", options.n_heads()},
      {"n_inner", default_inner ? nlohmann::json(nullptr) : nlohmann::json(options.hidden_dim())},
      {"vocab_size", options.vocab_size()},
      {"n_positions", options.max_seq_len()},
      {"layer_norm_epsilon", options.norm_eps()},
      {"activation_function", "gelu_new"},
      {"tie_word_embeddings", true},
      {"torch_dtype", safetensors_torch_dtype_name(dtype)}};
}

TransformerOptions parse_hf_config(const nlohmann::json& config, const std::string& where) {
  EVERGREEN_CHECK_INPUT(config.is_object(), "{}: expected a JSON object, got {}", where,
                        json_kind(config));
  const ConfigFields fields(config, where, "a transformers config");
  const nlohmann::json* type = fields.optional("model_type");
  EVERGREEN_CHECK_INPUT(type != nullptr,
                        "{}: field 'model_type' is missing, expected llama or gpt2", where);
  EVERGREEN_CHECK_INPUT(type->is_string() && (*type == "llama" || *type == "gpt2"),
                        "{}: field 'model_type' is {}, expected llama or gpt2", where,
                        json_kind(*type));
  const bool llama = *type == "llama";
  const ConfigFields model_fields(config, where, llama ? "a Llama config" : "a GPT-2 config");
  TransformerOptions options = llama ? parse_llama(model_fields) : parse_gpt2(model_fields);
  options.check(where);
  return options;
}

void write_hf_config(const std::string& file, const TransformerOptions& options,
                     SafetensorsDtype dtype) {
  write_file_atomically(file, hf_config_json(options, dtype).dump(2) + "\n");
}

TransformerOptions read_hf_config(const std::string& file) {
  const std::string text = read_whole_file(file);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    std::string reason = error.what();
    size_t close = reason.find("] ");
    if (!reason.empty() && reason.front() == '[' && close != std::string::npos)
      reason = reason.substr(close + 2);
    throw InputError(fmt::format("{}: invalid JSON: {}", file, quote(reason, 200)));
  }
  return parse_hf_config(config, file);
}

}  // namespace evergreen::lm
