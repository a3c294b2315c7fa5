#include "evergreen/strategies/prompt_tpp.h"

#include <gtest/gtest.h>

#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/run/trainer.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

AttentiveNeuralHawkes tiny_attentive() {
  return AttentiveNeuralHawkes(
      AttentiveNeuralHawkesOptions(2).hidden_size(8).time_embedding_size(4).integral_points(5));
}

PromptTppOptions tiny_prompts() {
  return PromptTppOptions().pool_size(4).prompt_length(2).top_n(2).query_events(3);
}

TEST(PromptTpp, PromptsSurviveSaveAndLoadBitForBit) {
  auto stream = testing::tiny_event_stream(2, 12);
  torch::manual_seed(0);
  auto model = tiny_attentive();
  PromptTppStrategy strategy(tiny_prompts());
  Trainer trainer(*model, strategy, TrainOptions().epochs(2).batch_size(4), 0);
  EXPECT_FALSE(strategy.pool_values().defined());
  trainer.train(stream.experiences[0]);
  ASSERT_TRUE(strategy.pool_values().defined());

  torch::serialize::OutputArchive out;
  trainer.save(out);
  std::stringstream bytes;
  out.save_to(bytes);

  torch::manual_seed(1);  // a different initialisation, overwritten by the checkpoint
  auto restored_model = tiny_attentive();
  PromptTppStrategy restored(tiny_prompts());
  Trainer restored_trainer(*restored_model, restored, TrainOptions().epochs(2).batch_size(4), 0);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  restored_trainer.load(in);
  ASSERT_TRUE(restored.pool_values().defined());
  EXPECT_TRUE(torch::equal(restored.pool_values(), strategy.pool_values()));
  // With the pool attached, the restored model gives the same likelihoods bit for bit, and
  // continuing training stays identical.
  restored.attach(*restored_model, restored_trainer.generator());
  const Batch& test = stream.experiences[1].test;
  EXPECT_TRUE(torch::equal(restored_model->forward(test).at("log_likelihood"),
                           model->forward(test).at("log_likelihood")));
  trainer.train(stream.experiences[1]);
  restored_trainer.train(stream.experiences[1]);
  EXPECT_TRUE(torch::equal(restored.pool_values(), strategy.pool_values()));
  EXPECT_TRUE(torch::equal(restored_trainer.parameters().values(), trainer.parameters().values()));
}

// Perturbing an event after the retrieval window changes nothing before it: prompts are chosen
// from the history only, and the causal mask applies after the prompt columns.
TEST(PromptTpp, NoPositionSeesTheFuture) {
  auto stream = testing::tiny_event_stream(1, 4);
  torch::manual_seed(2);
  auto model = tiny_attentive();
  PromptTppStrategy strategy(tiny_prompts());
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  strategy.attach(*model, generator);
  Batch batch{{"times", torch::tensor({0.0f, 0.4f, 0.9f, 1.5f, 2.0f, 2.2f}).view({1, 6})},
              {"types", torch::tensor({0, 1, 1, 0, 1, 0}, torch::kLong).view({1, 6})},
              {"mask", torch::ones({1, 6})}};
  Batch perturbed = batch;
  perturbed.set("times", torch::tensor({0.0f, 0.4f, 0.9f, 1.5f, 3.1f, 3.9f}).view({1, 6}));
  perturbed.set("types", torch::tensor({0, 1, 1, 0, 0, 1}, torch::kLong).view({1, 6}));
  auto original = model->forward(batch);
  auto changed = model->forward(perturbed);
  for (const char* term : {"event_log_intensity", "event_integral"}) {
    EXPECT_TRUE(torch::allclose(original.at(term).slice(1, 0, 4), changed.at(term).slice(1, 0, 4),
                                1e-6, 1e-7))
        << term;
    EXPECT_FALSE(torch::allclose(original.at(term).slice(1, 4), changed.at(term).slice(1, 4)))
        << term;
  }
}

TEST(PromptTpp, ReportedLikelihoodExcludesTheKeyPullTerm) {
  auto stream = testing::tiny_event_stream(1, 8);
  torch::manual_seed(3);
  auto model = tiny_attentive();
  PromptTppStrategy strategy(tiny_prompts().key_pull(0.5));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  FlatParameters parameters(*model);
  TrainingContext context{*model, parameters, generator, 0, 8};
  strategy.before_experience(context, stream.experiences[0]);
  const Batch& batch = stream.experiences[0].train;
  auto outputs = model->forward(batch);
  auto extra = strategy.extra_loss(context, batch, outputs);
  ASSERT_TRUE(extra.defined());
  EXPECT_NE(extra.item<double>(), 0.0);
  double reported = model->evaluate(batch).at("nll_per_event");
  double from_outputs = -outputs.at("log_likelihood").sum().item<double>() /
                        outputs.at("events").sum().item<double>();
  EXPECT_NEAR(reported, from_outputs, 1e-5);
}

TEST(PromptTpp, RefusesModelsWithoutAttention) {
  auto stream = testing::tiny_event_stream(1, 4);
  auto model = testing::tiny_mlp();
  PromptTppStrategy strategy(tiny_prompts());
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 4};
  EXPECT_THROW(strategy.before_experience(context, stream.experiences[0]), InputError);
  // A point process without attachment points is refused the same way.
  NeuralHawkes recurrent(NeuralHawkesOptions(2).hidden_size(4));
  FlatParameters recurrent_parameters(*recurrent);
  TrainingContext recurrent_context{*recurrent, recurrent_parameters, generator, 0, 4};
  EXPECT_THROW(strategy.before_experience(recurrent_context, stream.experiences[0]), InputError);
}

// The pool takes its shape from the model's attachment points (layers x row size), and a model
// whose points differ refuses it.
TEST(PromptTpp, PoolFitsTheAttachmentPoints) {
  auto model = tiny_attentive();  // 2 layers, rows of 4 + 8
  PromptTppStrategy strategy(tiny_prompts());
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  strategy.attach(*model, generator);
  EXPECT_EQ(strategy.pool_values().numel(), 2 * (4 * 12 + 4 * 2 * 12));  // keys + prompts
  AttentiveNeuralHawkes wider(
      AttentiveNeuralHawkesOptions(2).hidden_size(16).time_embedding_size(4).integral_points(5));
  EXPECT_THROW(strategy.attach(*wider, generator), InputError);
}

}  // namespace
}  // namespace evergreen
