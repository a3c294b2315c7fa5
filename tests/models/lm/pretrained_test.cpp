#include "evergreen/models/lm/pretrained.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/models/lm/hf_config.h"
#include "evergreen/models/lm/safetensors.h"
#include "lm_test_support.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::read_text;
using evergreen::testing::seeded_model;
using evergreen::testing::write_text;

void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TransformerOptions llama_options(bool tied) {
  return TransformerOptions()
      .architecture(Architecture::kLlama)
      .vocab_size(37)
      .dim(24)
      .n_layers(2)
      .n_heads(6)
      .n_kv_heads(2)
      .hidden_dim(40)
      .max_seq_len(32)
      .norm_eps(1e-6)
      .rope_theta(500000.0)
      .tied_embeddings(tied);
}

TransformerOptions gpt2_options(int64_t hidden_dim = 64) {
  return TransformerOptions()
      .architecture(Architecture::kGpt2)
      .vocab_size(41)
      .dim(16)
      .n_layers(2)
      .n_heads(4)
      .n_kv_heads(4)
      .hidden_dim(hidden_dim)
      .max_seq_len(24)
      .norm_eps(1e-5);
}

std::vector<int32_t> bits_of(const torch::Tensor& tensor) {
  torch::Tensor flat = tensor.detach().contiguous().view(torch::kInt32).reshape(-1);
  return std::vector<int32_t>(flat.data_ptr<int32_t>(), flat.data_ptr<int32_t>() + flat.numel());
}

void expect_same_parameters(TransformerImpl& expected, TransformerImpl& actual) {
  auto want = expected.named_parameters();
  auto got = actual.named_parameters();
  ASSERT_EQ(want.size(), got.size());
  for (const auto& item : want) {
    const torch::Tensor* other = got.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_EQ(bits_of(item.value()), bits_of(*other)) << item.key();
  }
}

torch::Tensor sample_tokens(const TransformerOptions& options) {
  torch::manual_seed(5);
  return torch::randint(options.vocab_size(), {2, 9}, torch::kInt64);
}

bool same_options(const TransformerOptions& a, const TransformerOptions& b) {
  return a.architecture() == b.architecture() && a.vocab_size() == b.vocab_size() &&
         a.dim() == b.dim() && a.n_layers() == b.n_layers() && a.n_heads() == b.n_heads() &&
         a.n_kv_heads() == b.n_kv_heads() && a.hidden_dim() == b.hidden_dim() &&
         a.max_seq_len() == b.max_seq_len() && a.norm_eps() == b.norm_eps() &&
         a.rope_theta() == b.rope_theta() && a.tied_embeddings() == b.tied_embeddings();
}

class PretrainedTest : public testing::FileTest {
 protected:
  std::string folder(const std::string& name) {
    const std::string path = directory_.file(name);
    std::filesystem::create_directories(path);
    return path;
  }

  // save_pretrained, load_pretrained: the same parameters bit for bit and the same logits.
  void expect_round_trip(const TransformerOptions& options, const std::string& name) {
    Transformer model = seeded_model(options, 21);
    const std::string out = directory_.file(name);
    save_pretrained(*model, out);
    Transformer loaded = load_pretrained(out);
    EXPECT_TRUE(same_options(loaded->options(), options));
    expect_same_parameters(*model, *loaded);
    torch::NoGradGuard no_grad;
    const torch::Tensor tokens = sample_tokens(options);
    EXPECT_TRUE(torch::equal(model->forward(tokens), loaded->forward(tokens)));
  }

  /// Writes `tensors` and the config.json of `options` into a new folder `name`.
  std::string write_checkpoint(const std::string& name, const TransformerOptions& options,
                               const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
    const std::string path = folder(name);
    write_safetensors(path + "/model.safetensors", tensors);
    write_hf_config(path + "/config.json", options);
    return path;
  }
};

TEST_F(PretrainedTest, UntiedGroupedQueryLlamaRoundTripsBitForBit) {
  expect_round_trip(llama_options(/*tied=*/false), "llama-untied");
  const SafetensorsFile file =
      SafetensorsFile::open(directory_.file("llama-untied/model.safetensors"));
  EXPECT_TRUE(file.contains("lm_head.weight"));
  EXPECT_EQ(file.info("model.layers.1.self_attn.k_proj.weight").shape,
            (std::vector<int64_t>{8, 24}));  // 2 kv heads of 4
  EXPECT_EQ(file.metadata().at("format"), "pt");
}

TEST_F(PretrainedTest, TiedLlamaRoundTripsWithoutLmHead) {
  expect_round_trip(llama_options(/*tied=*/true), "llama-tied");
  const SafetensorsFile file =
      SafetensorsFile::open(directory_.file("llama-tied/model.safetensors"));
  EXPECT_FALSE(file.contains("lm_head.weight"));
  EXPECT_TRUE(file.contains("model.embed_tokens.weight"));
  EXPECT_EQ(file.size(), 2u + 2 * 9);  // embedding, final norm, 9 tensors a layer
}

TEST_F(PretrainedTest, Gpt2RoundTripsBitForBit) {
  expect_round_trip(gpt2_options(), "gpt2");
  expect_round_trip(gpt2_options(/*hidden_dim=*/48), "gpt2-narrow");
  const SafetensorsFile file = SafetensorsFile::open(directory_.file("gpt2/model.safetensors"));
  EXPECT_EQ(file.info("transformer.h.0.attn.c_attn.weight").shape,
            (std::vector<int64_t>{16, 48}));  // Conv1D [in, out]
  EXPECT_FALSE(file.contains("lm_head.weight"));
}

TEST_F(PretrainedTest, HalfPrecisionSavesLoadTheRoundedParameters) {
  for (SafetensorsDtype dtype : {SafetensorsDtype::kF16, SafetensorsDtype::kBF16}) {
    const torch::ScalarType type =
        dtype == SafetensorsDtype::kF16 ? torch::kFloat16 : torch::kBFloat16;
    Transformer model = seeded_model(llama_options(false), 3);
    const std::string out = directory_.file(std::string("half-") + safetensors_dtype_name(dtype));
    save_pretrained(*model, out, dtype);
    EXPECT_EQ(nlohmann::json::parse(read_text(out + "/config.json"))["torch_dtype"],
              safetensors_torch_dtype_name(dtype));
    Transformer loaded = load_pretrained(out + "/model.safetensors");  // the file, not the folder
    auto want = model->named_parameters();
    for (const auto& item : loaded->named_parameters()) {
      EXPECT_EQ(item.value().scalar_type(), torch::kFloat32);
      EXPECT_EQ(bits_of(item.value()), bits_of(want[item.key()].to(type).to(torch::kFloat32)))
          << item.key();
    }
  }
}

TEST_F(PretrainedTest, ShapeMismatchNamesTheTensorAndBothShapes) {
  Transformer model = seeded_model(llama_options(false), 4);
  const std::string out = directory_.file("mismatch");
  save_pretrained(*model, out);
  write_hf_config(out + "/config.json", llama_options(false).hidden_dim(44));
  const std::string message = input_error_of([&] { load_pretrained(out); });
  expect_error_mentions(message,
                        {out + "/model.safetensors", "tensor 'model.layers.0.mlp.gate_proj.weight'",
                         "expected shape [44, 24], found [40, 24]"});
}

TEST_F(PretrainedTest, MissingTensorIsNamed) {
  Transformer model = seeded_model(gpt2_options(), 6);
  auto tensors = pretrained_tensors(*model);
  tensors.erase(
      std::remove_if(tensors.begin(), tensors.end(),
                     [](const auto& item) { return item.first == "transformer.ln_f.bias"; }),
      tensors.end());
  const std::string out = write_checkpoint("missing", gpt2_options(), tensors);
  expect_error_mentions(input_error_of([&] { load_pretrained(out); }),
                        {out + "/model.safetensors", "tensor 'transformer.ln_f.bias' is missing",
                         "gpt2 model of 2 layers"});
}

TEST_F(PretrainedTest, UnexpectedTensorIsRefused) {
  Transformer model = seeded_model(llama_options(true), 7);
  auto tensors = pretrained_tensors(*model);
  tensors.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({2}));
  tensors.emplace_back("model.layers.1.self_attn.rotary_emb.inv_freq", torch::ones({2}));
  const std::string out = write_checkpoint("unexpected", llama_options(true), tensors);
  expect_error_mentions(
      input_error_of([&] { load_pretrained(out); }),
      {out + "/model.safetensors",
       "unexpected tensor 'model.layers.0.self_attn.rotary_emb.inv_freq'", "(and 1 more)"});
}

TEST_F(PretrainedTest, ReadsHubGpt2NamesWithoutPrefixAndIgnoresMaskBuffers) {
  // The hub's gpt2/model.safetensors: no "transformer." prefix, causal-mask buffers saved.
  Transformer model = seeded_model(gpt2_options(), 8);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& [name, value] : pretrained_tensors(*model))
    tensors.emplace_back(name.substr(std::string("transformer.").size()), value);
  for (int layer = 0; layer < 2; ++layer) {
    tensors.emplace_back(fmt::format("h.{}.attn.bias", layer), torch::ones({1, 1, 24, 24}).tril());
    tensors.emplace_back(fmt::format("h.{}.attn.masked_bias", layer), torch::tensor(-1e4));
  }
  const std::string out = write_checkpoint("hub-gpt2", gpt2_options(), tensors);
  Transformer loaded = load_pretrained(out);
  expect_same_parameters(*model, *loaded);

  // One parameter given under both names is ambiguous.
  tensors.emplace_back("transformer.wpe.weight", pretrained_tensors(*model)[1].second);
  const std::string both = write_checkpoint("both-gpt2", gpt2_options(), tensors);
  expect_error_mentions(input_error_of([&] { load_pretrained(both); }),
                        {"'transformer.wpe.weight' and 'wpe.weight' are both present"});
}

TEST_F(PretrainedTest, TiedModelAcceptsOnlyAnLmHeadEqualToTheEmbedding) {
  Transformer model = seeded_model(llama_options(true), 9);
  auto tensors = pretrained_tensors(*model);
  const torch::Tensor embedding = model->token_embedding_weight();
  tensors.emplace_back("lm_head.weight", embedding.clone());
  const std::string same = write_checkpoint("tied-same", llama_options(true), tensors);
  expect_same_parameters(*model, *load_pretrained(same));

  tensors.back().second = embedding + 1;
  const std::string differ = write_checkpoint("tied-differ", llama_options(true), tensors);
  expect_error_mentions(input_error_of([&] { load_pretrained(differ); }),
                        {differ + "/model.safetensors",
                         "'lm_head.weight' differs from "
                         "'model.embed_tokens.weight'",
                         "tie_word_embeddings", "untied"});
}

TEST_F(PretrainedTest, FailedLoadLeavesTheModelUntouched) {
  Transformer model = seeded_model(gpt2_options(), 10);
  Transformer other = seeded_model(gpt2_options(), 11);
  auto tensors = pretrained_tensors(*other);
  tensors.back().second = torch::zeros({3});  // the last parameter misshapen
  const std::string out = write_checkpoint("partial", gpt2_options(), tensors);
  Transformer reference = seeded_model(gpt2_options(), 10);
  const SafetensorsFile file = SafetensorsFile::open(out + "/model.safetensors");
  EXPECT_NE(input_error_of([&] { load_pretrained_weights(*model, file); }), "no error");
  expect_same_parameters(*reference, *model);
}

TEST_F(PretrainedTest, NamesMissingFilesAndShardedCheckpoints) {
  const std::string empty = folder("empty");
  expect_error_mentions(input_error_of([&] { load_pretrained(empty); }),
                        {empty, "no model.safetensors"});
  const std::string sharded = folder("sharded");
  write_text(sharded + "/model.safetensors.index.json", "{}");
  expect_error_mentions(input_error_of([&] { load_pretrained(sharded); }),
                        {sharded, "sharded", "model.safetensors.index.json"});
  const std::string lonely = folder("lonely");
  write_safetensors(lonely + "/weights.safetensors", {{"w", torch::ones(1)}});
  expect_error_mentions(input_error_of([&] { load_pretrained(lonely + "/weights.safetensors"); }),
                        {lonely + "/config.json", "not found"});
  expect_error_mentions(input_error_of([&] { load_pretrained(directory_.file("nothing")); }),
                        {directory_.file("nothing"), "not found"});
}

// ---------------------------------------------------------------------------------------------
// config.json

TEST(HfConfig, LlamaJsonHasTransformersKeys) {
  const nlohmann::json config = hf_config_json(llama_options(false), SafetensorsDtype::kBF16);
  const nlohmann::json expected = {{"architectures", {"LlamaForCausalLM"}},
                                   {"model_type", "llama"},
                                   {"hidden_size", 24},
                                   {"intermediate_size", 40},
                                   {"num_hidden_layers", 2},
                                   {"num_attention_heads", 6},
                                   {"num_key_value_heads", 2},
                                   {"vocab_size", 37},
                                   {"max_position_embeddings", 32},
                                   {"rms_norm_eps", 1e-6},
                                   {"rope_theta", 500000.0},
                                   {"tie_word_embeddings", false},
                                   {"hidden_act", "silu"},
                                   {"torch_dtype", "bfloat16"},
                                   {"bos_token_id", 1},
                                   {"eos_token_id", 2}};
  EXPECT_EQ(config, expected) << config.dump(2);
}

TEST(HfConfig, Gpt2JsonWritesNullInnerForFourTimesTheWidth) {
  nlohmann::json config = hf_config_json(gpt2_options());
  EXPECT_EQ(config["architectures"], nlohmann::json({"GPT2LMHeadModel"}));
  EXPECT_EQ(config["model_type"], "gpt2");
  EXPECT_EQ(config["n_embd"], 16);
  EXPECT_EQ(config["n_layer"], 2);
  EXPECT_EQ(config["n_head"], 4);
  EXPECT_TRUE(config["n_inner"].is_null());
  EXPECT_EQ(config["n_positions"], 24);
  EXPECT_EQ(config["layer_norm_epsilon"], 1e-5);
  EXPECT_EQ(config["activation_function"], "gelu_new");
  EXPECT_EQ(config["tie_word_embeddings"], true);
  EXPECT_EQ(hf_config_json(gpt2_options(48))["n_inner"], 48);
}

TEST(HfConfig, RoundTripsThroughTheFile) {
  testing::TemporaryDirectory directory;
  for (const TransformerOptions& options :
       {llama_options(true), llama_options(false), gpt2_options(), gpt2_options(48),
        llama_options(false).norm_eps(1.0 / 3).rope_theta(10000.5)}) {
    const std::string file = directory.file("config.json");
    write_hf_config(file, options);
    EXPECT_TRUE(same_options(read_hf_config(file), options)) << read_text(file);
  }
}

TEST(HfConfig, HubConfigsTakeTransformersDefaults) {
  // Llama-2-style: no num_key_value_heads, rope_theta, tie_word_embeddings; extra keys ignored.
  const nlohmann::json llama = {{"architectures", {"LlamaForCausalLM"}},
                                {"model_type", "llama"},
                                {"hidden_size", 64},
                                {"intermediate_size", 172},
                                {"num_hidden_layers", 5},
                                {"num_attention_heads", 8},
                                {"vocab_size", 512},
                                {"max_position_embeddings", 512},
                                {"rms_norm_eps", 1e-5},
                                {"rope_scaling", nullptr},
                                {"pretraining_tp", 1},
                                {"use_cache", true},
                                {"transformers_version", "4.31.0"}};
  TransformerOptions options = parse_hf_config(llama, "llama/config.json");
  EXPECT_EQ(options.n_kv_heads(), 8);
  EXPECT_EQ(options.rope_theta(), 10000.0);
  EXPECT_FALSE(options.tied_embeddings());
  EXPECT_EQ(options.hidden_dim(), 172);

  // The hub's gpt2/config.json (abridged).
  const nlohmann::json gpt2 = {{"activation_function", "gelu_new"},
                               {"architectures", {"GPT2LMHeadModel"}},
                               {"model_type", "gpt2"},
                               {"n_ctx", 1024},
                               {"n_embd", 768},
                               {"n_head", 12},
                               {"n_layer", 12},
                               {"n_positions", 1024},
                               {"layer_norm_epsilon", 1e-05},
                               {"vocab_size", 50257},
                               {"resid_pdrop", 0.1},
                               {"bos_token_id", 50256}};
  options = parse_hf_config(gpt2, "gpt2/config.json");
  EXPECT_EQ(options.architecture(), Architecture::kGpt2);
  EXPECT_EQ(options.hidden_dim(), 3072);
  EXPECT_EQ(options.n_kv_heads(), 12);
  EXPECT_TRUE(options.tied_embeddings());
  EXPECT_EQ(options.max_seq_len(), 1024);
}

TEST(HfConfig, RefusalsNameTheFileAndTheField) {
  testing::TemporaryDirectory directory;
  const std::string file = directory.file("config.json");
  const nlohmann::json llama = hf_config_json(llama_options(false));
  const nlohmann::json gpt2 = hf_config_json(gpt2_options());
  auto with = [](nlohmann::json config, const std::string& key, const nlohmann::json& value) {
    config[key] = value;
    return config;
  };
  auto without = [](nlohmann::json config, const std::string& key) {
    config.erase(key);
    return config;
  };
  struct Case {
    nlohmann::json config;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {with(llama, "model_type", "mistral"), {"field 'model_type'", "mistral", "llama or gpt2"}},
      {without(llama, "model_type"), {"field 'model_type' is missing"}},
      {without(llama, "hidden_size"), {"field 'hidden_size' is missing"}},
      {with(llama, "hidden_size", "24"), {"field 'hidden_size'", "string", "positive integer"}},
      {with(llama, "hidden_size", 24.0), {"field 'hidden_size'", "positive integer"}},
      {with(llama, "num_hidden_layers", 0), {"field 'num_hidden_layers' is 0", "positive integer"}},
      {with(llama, "num_attention_heads", -6), {"field 'num_attention_heads' is -6"}},
      {with(llama, "rms_norm_eps", "1e-6"), {"field 'rms_norm_eps'", "positive number"}},
      {with(llama, "rope_theta", -1), {"field 'rope_theta' is -1", "positive number"}},
      {with(llama, "tie_word_embeddings", 1), {"field 'tie_word_embeddings'", "true or false"}},
      {with(llama, "rope_scaling", {{"type", "linear"}, {"factor", 2.0}}),
       {"field 'rope_scaling'", "not supported"}},
      {with(llama, "hidden_act", "gelu"), {"field 'hidden_act'", "gelu", "silu"}},
      {with(llama, "attention_bias", true), {"field 'attention_bias'", "not supported"}},
      {with(llama, "head_dim", 8), {"field 'head_dim'", "not supported"}},
      {with(llama, "num_key_value_heads", 4), {"n_heads 6 is not a multiple of n_kv_heads 4"}},
      {with(gpt2, "activation_function", "gelu"), {"field 'activation_function'", "gelu_new"}},
      {with(gpt2, "activation_function", "relu"), {"field 'activation_function'", "relu"}},
      {with(gpt2, "n_inner", 0), {"field 'n_inner' is 0"}},
      {with(gpt2, "tie_word_embeddings", false), {"field 'tie_word_embeddings'"}},
      {without(gpt2, "layer_norm_epsilon"), {"field 'layer_norm_epsilon' is missing"}},
      {with(gpt2, "n_positions", nlohmann::json::array()), {"field 'n_positions' is an array"}},
      {nlohmann::json::array(), {"expected a JSON object"}},
  };
  for (const Case& test : cases) {
    write_text(file, test.config.dump());
    std::vector<std::string> parts = test.parts;
    parts.push_back(file + ": ");
    SCOPED_TRACE(test.config.dump());
    expect_error_mentions(input_error_of([&] { read_hf_config(file); }), parts);
  }
  write_text(file, "{\"model_type\": \"llama\",");
  expect_error_mentions(input_error_of([&] { read_hf_config(file); }), {file, "invalid JSON"});
  expect_error_mentions(input_error_of([&] { read_hf_config(directory.file("absent.json")); }),
                        {directory.file("absent.json"), "not found"});
}

// ---------------------------------------------------------------------------------------------
// The independent Python reader and forward pass (bench/safetensors_check.py).

/// A float32 .npy file of `values` [rows, columns].
void write_npy(const std::string& file, const torch::Tensor& values) {
  torch::Tensor data = values.contiguous().to(torch::kFloat32);
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", data.size(0),
                  data.size(1));
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel()) * 4);
  write_text(file, bytes);
}

/// Runs `command`, returning its exit status and output.
std::pair<int, std::string> run_command(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "cannot run " + command};
  std::string output;
  char buffer[4096];
  size_t count;
  while ((count = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, count);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class PretrainedPythonCheck : public PretrainedTest {
 protected:
  void SetUp() override {
    script_ = std::string(EVERGREEN_SOURCE_DIR) + "/bench/safetensors_check.py";
    if (!std::filesystem::exists(script_)) GTEST_SKIP() << script_ << " not found";
    if (run_command("/usr/bin/python3 -c 'import numpy, torch'").first != 0)
      GTEST_SKIP() << "/usr/bin/python3 with numpy and torch not found";
  }

  // Our file through the Python reader: layout and names accepted, logits within 1e-4 of the
  // Hugging Face formulas, and its own writer's copy equal to ours bit for bit.
  void check(const TransformerOptions& options, SafetensorsDtype dtype, const std::string& name) {
    const std::string out = directory_.file(name);
    save_pretrained(*seeded_model(options, 31), out, dtype);
    Transformer model = load_pretrained(out);  // the weights as stored (rounded for F16/BF16)
    const std::vector<int64_t> ids = {1, 5, 2, 7, 3, 0, 11};
    torch::NoGradGuard no_grad;
    torch::Tensor logits = model->forward(torch::tensor(ids).unsqueeze(0)).squeeze(0);
    write_npy(out + "/logits.npy", logits);
    const std::string command = fmt::format(
        "/usr/bin/python3 {} read {}/model.safetensors {}/config.json --ids {} --logits "
        "{}/logits.npy --tolerance 1e-4 --write-back {}/back.safetensors",
        script_, out, out, fmt::join(ids, ","), out, out);
    const auto [status, output] = run_command(command);
    ASSERT_EQ(status, 0) << command << "\n" << output;
    EXPECT_EQ(safetensors_difference(out + "/model.safetensors", out + "/back.safetensors"),
              std::nullopt);
  }

  std::string script_;
};

TEST_F(PretrainedPythonCheck, UntiedGroupedQueryLlamaFloat32) {
  check(llama_options(false), SafetensorsDtype::kF32, "py-llama");
}

TEST_F(PretrainedPythonCheck, TiedLlamaBfloat16) {
  check(llama_options(true), SafetensorsDtype::kBF16, "py-llama-tied");
}

TEST_F(PretrainedPythonCheck, Gpt2Float16) {
  check(gpt2_options(48), SafetensorsDtype::kF16, "py-gpt2");
}

}  // namespace
}  // namespace evergreen::lm
