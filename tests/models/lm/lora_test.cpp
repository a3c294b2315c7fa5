// LoRA adapters against known answers: fresh adapters change nothing, an adapted forward pass
// equals the merged model's, training moves only the adapters, and both ways of saving hold.
#include "evergreen/models/lm/lora.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "evergreen/models/flat_parameters.h"
#include "evergreen/models/lm/causal_language_model.h"
#include "evergreen/models/lm/model_file.h"
#include "evergreen/models/lm/safetensors.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/strategy_registry.h"
#include "lm_test_support.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::seeded_model;

TransformerOptions small_llama() {
  return TransformerOptions()
      .vocab_size(12)
      .dim(16)
      .n_layers(2)
      .n_heads(4)
      .n_kv_heads(2)
      .hidden_dim(24)
      .max_seq_len(8)
      .tied_embeddings(false);
}

const torch::Tensor kTokens = torch::tensor({{1, 5, 3, 9, 2, 7}});

TEST(Lora, FreshAdaptersChangeNoLogitAndAnAdaptedPassEqualsTheMergedModel) {
  Transformer model = seeded_model(small_llama(), 1, 0.3);
  torch::NoGradGuard no_grad;
  const torch::Tensor before = model->forward(kTokens);
  model->add_lora(LoraOptions().rank(2).alpha(4.0).targets(
      {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}));
  EXPECT_TRUE(torch::equal(model->forward(kTokens), before));  // B starts at zero
  for (auto& item : model->named_parameters())
    if (item.key().find("lora_B") != std::string::npos)
      item.value().copy_(torch::randn_like(item.value()) * 0.2);
  const torch::Tensor adapted = model->forward(kTokens);
  EXPECT_GT((adapted - before).abs().max().item<double>(), 1e-3);
  std::shared_ptr<TransformerImpl> merged = merged_lora_copy(*model);
  EXPECT_FALSE(merged->has_lora());
  EXPECT_LT((merged->forward(kTokens) - adapted).abs().max().item<double>(), 1e-5);
  // W + (alpha / r) B A, by hand, for one projection.
  auto parameters = model->named_parameters();
  torch::Tensor expected =
      parameters["model.layers.1.self_attn.v_proj.weight"] +
      2.0 * torch::matmul(parameters["model.layers.1.self_attn.v_proj.lora_B.weight"],
                          parameters["model.layers.1.self_attn.v_proj.lora_A.weight"]);
  EXPECT_LT((merged->llama_layer(1).v - expected).abs().max().item<double>(), 1e-6);
}

TEST(Lora, TrainingMovesOnlyTheAdaptersAndLearns) {
  Stream stream = testing::tiny_token_stream(1, 24);
  Options options(YAML::Load("{dim: 32, layers: 2, heads: 4, lora_rank: 4, lora_alpha: 8, "
                             "lora_targets: [q_proj, v_proj, down_proj]}"),
                  "model");
  torch::manual_seed(0);
  auto model = make_causal_language_model(options, stream);
  auto& transformer = dynamic_cast<CausalLanguageModelImpl&>(*model).transformer();
  std::map<std::string, torch::Tensor> base;
  int64_t adapter_values = 0;
  for (const auto& item : transformer.named_parameters()) {
    if (item.key().find(".lora_") == std::string::npos)
      base[item.key()] = item.value().detach().clone();
    else
      adapter_values += item.value().numel();
  }
  // 2 layers x (q 4x32 + 32x4, v 4x32 + 32x4 with 4 key/value heads of 8, down 4x86 + 32x4).
  EXPECT_EQ(adapter_values, 2 * ((4 * 32 + 32 * 4) * 2 + (4 * 88 + 32 * 4)));
  Options strategy_options(YAML::Load("{}"), "strategy");
  auto strategy = strategy_registry().find("naive", "test").make(strategy_options);
  const double before = model->evaluate(stream.experiences[0].test).at("perplexity");
  Trainer trainer(*model, *strategy,
                  TrainOptions().epochs(40).batch_size(8).learning_rate(3e-2).optimizer("adamw"),
                  0);
  EXPECT_EQ(trainer.parameters().values().numel(), adapter_values);
  trainer.train(stream.experiences[0]);
  for (const auto& item : transformer.named_parameters())
    if (base.count(item.key()))
      EXPECT_TRUE(torch::equal(item.value(), base[item.key()])) << item.key();
  // A frozen random model learns through rank-4 adapters on three projections, if slowly.
  EXPECT_LT(model->evaluate(stream.experiences[0].test).at("perplexity"), 0.7 * before);
}

TEST(Lora, SavedMergedItLoadsAsAPlainModelAndApartItIsAPeftAdapter) {
  Transformer model = seeded_model(small_llama(), 2, 0.3);
  model->add_lora(LoraOptions().rank(2).alpha(8.0));
  {
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_parameters())
      if (item.key().find("lora_B") != std::string::npos)
        item.value().copy_(torch::randn_like(item.value()) * 0.2);
  }
  testing::TemporaryDirectory directory;
  save_model(*model, directory.file("merged"));
  Transformer loaded = load_model(directory.file("merged"));
  torch::NoGradGuard no_grad;
  EXPECT_LT((loaded->forward(kTokens) - model->forward(kTokens)).abs().max().item<double>(), 1e-5);

  save_lora_adapter(*model, directory.file("adapter"));
  SafetensorsFile adapter =
      SafetensorsFile::open(directory.file("adapter/adapter_model.safetensors"));
  const std::string name = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
  ASSERT_TRUE(adapter.contains(name));
  EXPECT_EQ(adapter.tensor(name).sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_TRUE(adapter.contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
  EXPECT_EQ(adapter.names().size(), 8u);  // 2 layers x 2 targets x (A, B)
  nlohmann::json config =
      nlohmann::json::parse(testing::read_text(directory.file("adapter/adapter_config.json")));
  EXPECT_EQ(config["peft_type"], "LORA");
  EXPECT_EQ(config["r"], 2);
  EXPECT_EQ(config["lora_alpha"], 8.0);
  EXPECT_EQ(config["target_modules"], (std::vector<std::string>{"q_proj", "v_proj"}));
}

TEST(Lora, BadOptionsAndArchitecturesAreRefused) {
  Transformer gpt2(TransformerOptions()
                       .architecture(Architecture::kGpt2)
                       .vocab_size(12)
                       .dim(16)
                       .n_layers(1)
                       .n_heads(4)
                       .n_kv_heads(4)
                       .hidden_dim(32)
                       .max_seq_len(8));
  EXPECT_NE(input_error_of([&] { gpt2->add_lora(LoraOptions()); }).find("Llama models"),
            std::string::npos);
  Transformer model(small_llama());
  EXPECT_NE(input_error_of([&] {
              model->add_lora(LoraOptions().targets({"c_attn"}));
            }).find("LoRA target 'c_attn' is not a Llama projection"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] { model->add_lora(LoraOptions().rank(0)); }).find("rank must be"),
            std::string::npos);
  model->add_lora(LoraOptions());
  EXPECT_NE(input_error_of([&] { model->add_lora(LoraOptions()); }).find("adapters already"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen::lm
