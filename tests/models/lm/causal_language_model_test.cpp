// The transformer as an engine model: its loss against a hand-computed cross-entropy, its metrics,
// training through the engine's trainer, and starting from stories260K.
#include "evergreen/models/lm/causal_language_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "evergreen/data/text/text_stream.h"
#include "evergreen/run/trainer.h"
#include "evergreen/strategies/strategy_registry.h"
#include "lm_test_support.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;

CausalLanguageModel tiny_model(uint64_t seed) {
  torch::manual_seed(seed);
  return CausalLanguageModel(Transformer(TransformerOptions()
                                             .vocab_size(12)
                                             .dim(16)
                                             .n_layers(2)
                                             .n_heads(4)
                                             .n_kv_heads(2)
                                             .hidden_dim(32)
                                             .max_seq_len(8)));
}

TEST(CausalLanguageModel, TheLossIsTheCrossEntropyOfEachRealNextToken) {
  CausalLanguageModel model = tiny_model(1);
  Batch batch{{"tokens", torch::tensor({{1, 4, 2, 7}, {3, 5, 0, 0}})},
              {"mask", torch::tensor({{1.f, 1.f, 1.f, 1.f}, {1.f, 1.f, 0.f, 0.f}})}};
  Batch outputs = model->forward(batch);
  torch::Tensor logits = outputs.at("prediction").to(torch::kFloat64);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{2, 4, 12}));
  // By hand: the targets 4, 2, 7 of row 0 and 5 of row 1 (row 1's padding predicts nothing).
  torch::Tensor log_p = torch::log_softmax(logits, -1);
  const double sum =
      -(log_p[0][0][4] + log_p[0][1][2] + log_p[0][2][7] + log_p[1][0][5]).item<double>();
  EXPECT_NEAR(model->loss(batch, outputs).item<double>(), sum / 4.0, 1e-5);
  EXPECT_NEAR(model->negative_log_likelihood(batch, outputs).item<double>(), sum, 1e-4);
  std::map<std::string, double> metrics = model->evaluate(batch);
  EXPECT_NEAR(metrics.at("nll_per_token"), sum / 4.0, 1e-5);
  EXPECT_NEAR(metrics.at("perplexity"), std::exp(sum / 4.0), 1e-4);
  torch::Tensor guesses = logits.argmax(-1);
  const double hits = (guesses[0][0].item<int64_t>() == 4) + (guesses[0][1].item<int64_t>() == 2) +
                      (guesses[0][2].item<int64_t>() == 7) + (guesses[1][0].item<int64_t>() == 5);
  EXPECT_DOUBLE_EQ(metrics.at("next_token_accuracy"), hits / 4.0);
  // Distilling towards one's own logits costs nothing.
  EXPECT_NEAR(
      model->distillation_loss(outputs, outputs.at("prediction").detach(), 2.0).item<double>(), 0.0,
      1e-6);
  EXPECT_EQ(model->main_metric().name, "perplexity");
  EXPECT_FALSE(model->main_metric().higher_is_better);
}

TEST(CausalLanguageModel, TrainingThroughTheEngineLearnsEachExperiencesCycle) {
  Stream stream = testing::tiny_token_stream(2, 24);
  Options model_options(YAML::Load("{dim: 32, layers: 2, heads: 4}"), "model");
  torch::manual_seed(0);
  auto model = make_causal_language_model(model_options, stream);
  Options strategy_options(YAML::Load("{}"), "strategy");
  auto strategy = strategy_registry().find("naive", "test").make(strategy_options);
  const double before = model->evaluate(stream.experiences[0].test).at("perplexity");
  Trainer trainer(*model, *strategy,
                  TrainOptions()
                      .epochs(30)
                      .batch_size(8)
                      .learning_rate(1e-2)
                      .optimizer("adamw")
                      .schedule(LearningRateSchedule::kCosine)
                      .warmup_steps(5)
                      .clip_norm(1.0),
                  0);
  trainer.set_stream_spec(&stream.spec);
  trainer.train(stream.experiences[0]);
  const std::map<std::string, double> after = model->evaluate(stream.experiences[0].test);
  // 12 tokens: a uniform guess has perplexity 12; a cycle of 5 is predictable after its first
  // token, so the perplexity falls towards 1.
  EXPECT_GT(before, 6.0);
  EXPECT_LT(after.at("perplexity"), 2.0);
  EXPECT_GT(after.at("next_token_accuracy"), 0.8);
}

TEST(CausalLanguageModel, StartsFromAPretrainedFileWhoseVocabularyMatches) {
  const std::string file = testing::stories_file("stories260K.bin");
  if (file.empty() || !std::filesystem::exists(file)) GTEST_SKIP() << "no shared data";
  testing::TemporaryDirectory directory;
  std::string story;
  for (int i = 0; i < 8; ++i)
    story += "Once upon a time, there was a little girl named Lily. She liked to play outside.\n";
  testing::write_text(directory.file("story.txt"), story);
  Options stream_options(YAML::Load("{files: [" + directory.file("story.txt") + "], tokenizer: " +
                                    testing::stories_file("tok512.bin") + ", context: 32}"),
                         "stream");
  Stream stream = make_text_stream(stream_options);
  Options model_options(YAML::Load("{init: " + file + "}"), "model");
  auto model = make_causal_language_model(model_options, stream);
  // TinyStories text is what stories260K knows: far below the 512 of a uniform guess.
  EXPECT_LT(model->evaluate(stream.experiences[0].test).at("perplexity"), 20.0);

  Stream other = testing::tiny_token_stream(1, 4);
  Options again(YAML::Load("{init: " + file + "}"), "model");
  EXPECT_NE(input_error_of([&] {
              make_causal_language_model(again, other);
            }).find("has a vocabulary of 512 tokens, the stream's tokenizer 12"),
            std::string::npos);
  Stream events = testing::tiny_event_stream(1, 4);
  Options plain(YAML::Load("{}"), "model");
  EXPECT_NE(input_error_of([&] {
              make_causal_language_model(plain, events);
            }).find("needs a token stream"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen::lm
