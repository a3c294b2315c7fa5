#include "evergreen/models/lm/llama2c_checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"

namespace evergreen::lm {
namespace {

constexpr uint32_t kVersion1Magic = 0x616b3432;  // "ak42"
constexpr int64_t kVersion1HeaderBytes = 256;
constexpr int64_t kLegacyHeaderBytes = 7 * 4;

struct Header {
  TransformerOptions options;
  int version = 0;
  int64_t weights_offset = 0;
};

int32_t read_int32(const char* bytes) {
  int32_t value;
  std::memcpy(&value, bytes, 4);
  return value;
}

Header parse_llama2c_header(const std::string& path, const std::string& head, int64_t file_size) {
  EVERGREEN_CHECK_INPUT(file_size >= kLegacyHeaderBytes,
                        "{}: {} bytes is too short for a llama2.c checkpoint header ({} bytes)",
                        path, file_size, kLegacyHeaderBytes);
  Header header;
  uint32_t magic;
  std::memcpy(&magic, head.data(), 4);
  const char* fields = head.data();
  bool shared = true;
  if (magic == kVersion1Magic) {
    EVERGREEN_CHECK_INPUT(file_size >= kVersion1HeaderBytes,
                          "{}: a version-1 header needs {} bytes, the file has {}", path,
                          kVersion1HeaderBytes, file_size);
    header.version = read_int32(head.data() + 4);
    EVERGREEN_CHECK_INPUT(header.version == 1,
                          "{}: llama2.c export version {} is not supported (0 legacy and 1 fp32 "
                          "are; version 2 is int8-quantised)",
                          path, header.version);
    fields = head.data() + 8;
    shared = head[8 + 7 * 4] != 0;
    header.weights_offset = kVersion1HeaderBytes;
  } else {
    header.weights_offset = kLegacyHeaderBytes;
  }
  const char* names[] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                         "n_kv_heads", "vocab_size", "seq_len"};
  int64_t values[7];
  for (int i = 0; i < 7; ++i) values[i] = read_int32(fields + 4 * i);
  if (header.version == 0) {
    shared = values[5] > 0;
    values[5] = values[5] < 0 ? -values[5] : values[5];
  }
  for (int i = 0; i < 7; ++i)
    EVERGREEN_CHECK_INPUT(values[i] > 0, "{}: header field {} is {}, expected a positive number",
                          path, names[i], values[i]);
  header.options = TransformerOptions()
                       .architecture(Architecture::kLlama)
                       .dim(values[0])
                       .hidden_dim(values[1])
                       .n_layers(values[2])
                       .n_heads(values[3])
                       .n_kv_heads(values[4])
                       .vocab_size(values[5])
                       .max_seq_len(values[6])
                       .norm_eps(1e-5)
                       .rope_theta(10000.0)
                       .tied_embeddings(shared);
  header.options.check(path + ": header");
  return header;
}

// Floats the file must hold after its header, in order, with names for messages.
struct Section {
  const char* name;
  int64_t floats;
};

std::vector<Section> sections(const Header& header) {
  const TransformerOptions& o = header.options;
  const int64_t L = o.n_layers(), D = o.dim(), F = o.hidden_dim(), KV = o.kv_dim();
  const int64_t V = o.vocab_size();
  std::vector<Section> result;
  if (header.version == 0) {
    result = {{"token_embedding", V * D},
              {"rms_att_weight", L * D},
              {"wq", L * D * D},
              {"wk", L * KV * D},
              {"wv", L * KV * D},
              {"wo", L * D * D},
              {"rms_ffn_weight", L * D},
              {"w1", L * F * D},
              {"w2", L * D * F},
              {"w3", L * F * D},
              {"rms_final_weight", D},
              {"freq_cis_real", o.max_seq_len() * o.head_dim() / 2},
              {"freq_cis_imag", o.max_seq_len() * o.head_dim() / 2}};
  } else {
    result = {{"rms_att_weight", L * D},  {"rms_ffn_weight", L * D}, {"rms_final_weight", D},
              {"token_embedding", V * D}, {"wq", L * D * D},         {"wk", L * KV * D},
              {"wv", L * KV * D},         {"wo", L * D * D},         {"w1", L * F * D},
              {"w2", L * D * F},          {"w3", L * F * D}};
  }
  if (!o.tied_embeddings()) result.push_back({"wcls", V * D});
  return result;
}

Header read_header(const std::string& path, std::ifstream& in, int64_t& file_size) {
  EVERGREEN_CHECK_INPUT(std::filesystem::is_regular_file(path),
                        "{}: not a file (expected a llama2.c checkpoint)", path);
  file_size = static_cast<int64_t>(std::filesystem::file_size(path));
  in.open(path, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot be opened for reading", path);
  std::string head(kVersion1HeaderBytes, '\0');
  in.read(head.data(), std::min<int64_t>(file_size, kVersion1HeaderBytes));
  return parse_llama2c_header(path, head, file_size);
}

}  // namespace

torch::Tensor interleaved_to_rotate_half(const torch::Tensor& weight, int64_t heads) {
  const int64_t rows = weight.size(0), in = weight.size(1), head_dim = rows / heads;
  return weight.reshape({heads, head_dim / 2, 2, in}).transpose(1, 2).reshape({rows, in});
}

torch::Tensor rotate_half_to_interleaved(const torch::Tensor& weight, int64_t heads) {
  const int64_t rows = weight.size(0), in = weight.size(1), head_dim = rows / heads;
  return weight.reshape({heads, 2, head_dim / 2, in}).transpose(1, 2).reshape({rows, in});
}

TransformerOptions read_llama2c_options(const std::string& path) {
  std::ifstream in;
  int64_t file_size = 0;
  return read_header(path, in, file_size).options;
}

Transformer load_llama2c(const std::string& path) {
  std::ifstream in;
  int64_t file_size = 0;
  const Header header = read_header(path, in, file_size);
  const std::vector<Section> layout = sections(header);
  int64_t floats = 0;
  for (const Section& section : layout) floats += section.floats;
  const int64_t expected = header.weights_offset + floats * 4;
  EVERGREEN_CHECK_INPUT(
      file_size == expected,
      "{}: the header (dim {}, hidden_dim {}, {} layers, {} heads, {} kv heads, "
      "vocab {}, seq_len {}, {} classifier) needs {} bytes, the file has {}",
      path, header.options.dim(), header.options.hidden_dim(), header.options.n_layers(),
      header.options.n_heads(), header.options.n_kv_heads(), header.options.vocab_size(),
      header.options.max_seq_len(), header.options.tied_embeddings() ? "shared" : "separate",
      expected, file_size);
  check_allocation(static_cast<double>(floats) * 4.0, path + ": weights");
  in.seekg(header.weights_offset);
  std::map<std::string, torch::Tensor> read;
  for (const Section& section : layout) {
    torch::Tensor values = torch::empty({section.floats}, torch::kFloat32);
    in.read(reinterpret_cast<char*>(values.data_ptr<float>()), section.floats * 4);
    EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot read {} ({} floats)", path, section.name,
                          section.floats);
    const bool rotary_table = std::strncmp(section.name, "freq_cis", 8) == 0;
    EVERGREEN_CHECK_INPUT(rotary_table || torch::isfinite(values).all().item<bool>(),
                          "{}: {} holds non-finite values", path, section.name);
    read[section.name] = values;
  }

  const TransformerOptions& o = header.options;
  const int64_t L = o.n_layers(), D = o.dim(), F = o.hidden_dim(), KV = o.kv_dim();
  Transformer model(o);
  torch::NoGradGuard no_grad;
  auto layer_slice = [&](const char* name, int64_t layer, std::vector<int64_t> shape) {
    int64_t size = 1;
    for (int64_t extent : shape) size *= extent;
    return read.at(name).narrow(0, layer * size, size).view(shape);
  };
  model->token_embedding_weight().copy_(read.at("token_embedding").view({o.vocab_size(), D}));
  for (int64_t l = 0; l < L; ++l) {
    TransformerImpl::LlamaLayerWeights w = model->llama_layer(l);
    w.input_norm.copy_(layer_slice("rms_att_weight", l, {D}));
    w.q.copy_(interleaved_to_rotate_half(layer_slice("wq", l, {D, D}), o.n_heads()));
    w.k.copy_(interleaved_to_rotate_half(layer_slice("wk", l, {KV, D}), o.n_kv_heads()));
    w.v.copy_(layer_slice("wv", l, {KV, D}));
    w.o.copy_(layer_slice("wo", l, {D, D}));
    w.post_attention_norm.copy_(layer_slice("rms_ffn_weight", l, {D}));
    w.gate.copy_(layer_slice("w1", l, {F, D}));
    w.down.copy_(layer_slice("w2", l, {D, F}));
    w.up.copy_(layer_slice("w3", l, {F, D}));
  }
  model->final_norm_weight().copy_(read.at("rms_final_weight"));
  if (!o.tied_embeddings())
    model->unembedding_weight().copy_(read.at("wcls").view({o.vocab_size(), D}));
  return model;
}

void save_llama2c(TransformerImpl& model, const std::string& path) {
  const TransformerOptions& o = model.options();
  EVERGREEN_CHECK_INPUT(o.architecture() == Architecture::kLlama,
                        "{}: llama2.c checkpoints hold Llama models, this one is {}", path,
                        architecture_name(o.architecture()));
  const double theta = o.rope_theta();
  EVERGREEN_CHECK_INPUT(theta == 10000.0 && o.norm_eps() == 1e-5,
                        "{}: run.c fixes rope_theta 10000 and norm_eps 1e-5; this model has {} "
                        "and {}",
                        path, theta, o.norm_eps());
  torch::NoGradGuard no_grad;
  std::string bytes;
  auto append_floats = [&](const torch::Tensor& tensor) {
    torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    bytes.append(reinterpret_cast<const char*>(values.data_ptr<float>()),
                 static_cast<size_t>(values.numel()) * 4);
  };
  const int32_t header[7] = {
      static_cast<int32_t>(o.dim()),
      static_cast<int32_t>(o.hidden_dim()),
      static_cast<int32_t>(o.n_layers()),
      static_cast<int32_t>(o.n_heads()),
      static_cast<int32_t>(o.n_kv_heads()),
      static_cast<int32_t>(o.tied_embeddings() ? o.vocab_size() : -o.vocab_size()),
      static_cast<int32_t>(o.max_seq_len())};
  bytes.append(reinterpret_cast<const char*>(header), sizeof header);
  const int64_t L = o.n_layers();
  auto each_layer = [&](auto&& tensor_of) {
    for (int64_t l = 0; l < L; ++l) append_floats(tensor_of(model.llama_layer(l)));
  };
  append_floats(model.token_embedding_weight());
  each_layer([](const auto& w) { return w.input_norm; });
  each_layer([&](const auto& w) { return rotate_half_to_interleaved(w.q, o.n_heads()); });
  each_layer([&](const auto& w) { return rotate_half_to_interleaved(w.k, o.n_kv_heads()); });
  each_layer([](const auto& w) { return w.v; });
  each_layer([](const auto& w) { return w.o; });
  each_layer([](const auto& w) { return w.post_attention_norm; });
  each_layer([](const auto& w) { return w.gate; });
  each_layer([](const auto& w) { return w.down; });
  each_layer([](const auto& w) { return w.up; });
  append_floats(model.final_norm_weight());
  // The legacy rotary tables, as run.c's predecessors read them (cos and sin of pos * freq).
  append_floats(model.rope_cos());
  append_floats(model.rope_sin());
  if (!o.tied_embeddings()) append_floats(model.unembedding_weight());
  write_file_atomically(path, bytes);
}

}  // namespace evergreen::lm
