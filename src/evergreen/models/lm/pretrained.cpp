#include "evergreen/models/lm/pretrained.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/models/lm/hf_config.h"

namespace evergreen::lm {
namespace {

constexpr const char* kGpt2Prefix = "transformer.";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

/// GPT-2's causal-mask buffers as older transformers saved them: [transformer.]h.L.attn.bias and
/// h.L.attn.masked_bias. They are computed, not learned.
bool is_gpt2_mask_buffer(std::string name) {
  if (starts_with(name, kGpt2Prefix)) name = name.substr(std::string(kGpt2Prefix).size());
  if (!starts_with(name, "h.")) return false;
  size_t position = 2;
  while (position < name.size() && std::isdigit(static_cast<unsigned char>(name[position])))
    ++position;
  if (position == 2) return false;
  const std::string rest = name.substr(position);
  return rest == ".attn.bias" || rest == ".attn.masked_bias";
}

std::string describe(const TransformerOptions& options) {
  return fmt::format("a {} model of {} layers", architecture_name(options.architecture()),
                     options.n_layers());
}

}  // namespace

PretrainedFiles pretrained_files(const std::string& directory_or_file) {
  namespace fs = std::filesystem;
  std::error_code error;
  PretrainedFiles files;
  if (fs::is_directory(directory_or_file, error)) {
    const fs::path directory(directory_or_file);
    files.weights = (directory / "model.safetensors").string();
    files.config = (directory / "config.json").string();
    if (!fs::exists(files.weights, error)) {
      EVERGREEN_CHECK_INPUT(!fs::exists(directory / "model.safetensors.index.json", error),
                            "{}: a sharded checkpoint (model.safetensors.index.json): only a "
                            "single model.safetensors is read",
                            directory_or_file);
      throw InputError(
          fmt::format("{}: no model.safetensors in this directory", directory_or_file));
    }
  } else {
    EVERGREEN_CHECK_INPUT(fs::exists(directory_or_file, error),
                          "{}: file not found (expected a .safetensors file or a directory "
                          "holding model.safetensors and config.json)",
                          directory_or_file);
    files.weights = directory_or_file;
    files.config = (fs::path(directory_or_file).parent_path() / "config.json").string();
  }
  EVERGREEN_CHECK_INPUT(fs::exists(files.config, error),
                        "{}: file not found (the config.json beside {} describes the model)",
                        files.config, files.weights);
  return files;
}

std::vector<std::pair<std::string, torch::Tensor>> pretrained_tensors(TransformerImpl& model) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    // transformers leaves the tied unembedding out of the file (tie_word_embeddings).
    if (model.options().tied_embeddings() && item.key() == "lm_head.weight") continue;
    tensors.emplace_back(item.key(), item.value());
  }
  return tensors;
}

void save_pretrained(TransformerImpl& model, const std::string& directory, SafetensorsDtype dtype) {
  ensure_writable_directory(directory);
  const std::filesystem::path folder(directory);
  write_safetensors((folder / "model.safetensors").string(), pretrained_tensors(model), dtype,
                    {{"format", "pt"}});
  write_hf_config((folder / "config.json").string(), model.options(), dtype);
}

void load_pretrained_weights(TransformerImpl& model, const SafetensorsFile& file) {
  const TransformerOptions& options = model.options();
  const bool gpt2 = options.architecture() == Architecture::kGpt2;
  const std::string& path = file.path();

  // Which tensor of the file each parameter takes, all checked before any is copied.
  std::vector<std::pair<std::string, torch::Tensor>> plan;
  std::set<std::string> used;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    std::string source = file.contains(name) ? name : "";
    if (gpt2 && starts_with(name, kGpt2Prefix)) {
      const std::string bare = name.substr(std::string(kGpt2Prefix).size());
      if (file.contains(bare)) {
        EVERGREEN_CHECK_INPUT(source.empty(),
                              "{}: tensors '{}' and '{}' are both present: one parameter, two "
                              "values",
                              path, quote(name), quote(bare));
        source = bare;
      }
    }
    EVERGREEN_CHECK_INPUT(!source.empty(), "{}: tensor '{}' is missing (config.json describes {})",
                          path, quote(name), describe(options));
    const SafetensorsTensorInfo& info = file.info(source);
    EVERGREEN_CHECK_INPUT(info.supported_dtype.has_value(),
                          "{}: dtype {} of tensor '{}' is not supported (F32, F16, BF16 are)", path,
                          info.dtype_name, quote(source));
    EVERGREEN_CHECK_INPUT(item.value().sizes() == torch::IntArrayRef(info.shape),
                          "{}: tensor '{}': expected shape {}, found {}", path, quote(source),
                          format_shape(item.value().sizes()), format_shape(info.shape));
    used.insert(source);
    plan.emplace_back(source, item.value());
  }

  std::vector<std::string> unexpected;
  for (const std::string& name : file.names()) {
    if (used.count(name) != 0) continue;
    if (gpt2 && is_gpt2_mask_buffer(name)) continue;
    if (options.tied_embeddings() && name == "lm_head.weight") {
      const std::string embedding_parameter =
          gpt2 ? "transformer.wte.weight" : "model.embed_tokens.weight";
      std::string embedding = embedding_parameter;
      if (!file.contains(embedding)) embedding = embedding.substr(std::string(kGpt2Prefix).size());
      const SafetensorsTensorInfo& head = file.info(name);
      const SafetensorsTensorInfo& tied = file.info(embedding);
      EVERGREEN_CHECK_INPUT(head.dtype_name == tied.dtype_name && head.shape == tied.shape &&
                                file.bytes(name) == file.bytes(embedding),
                            "{}: tensor 'lm_head.weight' differs from '{}' but config.json says "
                            "tie_word_embeddings: the file holds an untied model",
                            path, embedding);
      continue;
    }
    unexpected.push_back(name);
  }
  EVERGREEN_CHECK_INPUT(
      unexpected.empty(), "{}: unexpected tensor '{}'{}: {} has no such parameter", path,
      unexpected.empty() ? "" : quote(unexpected.front()),
      unexpected.size() > 1 ? fmt::format(" (and {} more)", unexpected.size() - 1) : "",
      describe(options));

  for (auto& [source, parameter] : plan) file.copy_into(source, parameter);
}

Transformer load_pretrained(const std::string& directory_or_file) {
  const PretrainedFiles files = pretrained_files(directory_or_file);
  const TransformerOptions options = read_hf_config(files.config);
  // The file is validated before the model is allocated, and the model's size before either.
  check_allocation(static_cast<double>(options.parameter_count()) * 4,
                   fmt::format("{}: {} of {} parameters", files.config, describe(options),
                               options.parameter_count()));
  const SafetensorsFile file = SafetensorsFile::open(files.weights);
  Transformer model(options);
  load_pretrained_weights(*model, file);
  return model;
}

}  // namespace evergreen::lm
