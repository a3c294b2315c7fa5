#include <gtest/gtest.h>

#include "evergreen/strategies/dark_experience_replay.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

struct Fixture {
  Stream stream = testing::tiny_forecasting_stream(2, 16);
  MlpForecaster model = testing::tiny_mlp();
  FlatParameters parameters{*model};
  torch::Generator generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 16};
};

TEST(ExperienceReplay, StepBatchIsNewRowsPlusMemoryRows) {
  Fixture f;
  ExperienceReplayStrategy strategy(
      ExperienceReplayOptions().memory(ReplayMemoryOptions().capacity(10)));
  const Batch& batch = f.stream.experiences[1].train;
  EXPECT_EQ(strategy.before_step(f.context, batch).size(), 16);  // empty memory: unchanged
  strategy.after_step(f.context, f.stream.experiences[0].train);
  Batch step = strategy.before_step(f.context, batch);
  EXPECT_EQ(step.size(), 16 + 10);
  EXPECT_TRUE(torch::equal(step.at("x").slice(0, 0, 16), batch.at("x")));
  EXPECT_EQ(strategy.memory().samples, 10);
}

// With a memory holding exactly one draw's worth of rows, both draws return all of them, so the
// DER++ step loss is MSE(f(x), y) on the new rows + alpha MSE(f(x_m), z_m) + beta MSE(f(x_m),
// y_m), computed here by hand from separate forward passes.
TEST(DarkExperienceReplay, StepLossIsTheDefinition) {
  Fixture f;
  DarkExperienceReplayStrategy strategy(DarkExperienceReplayOptions()
                                            .memory(ReplayMemoryOptions().capacity(16))
                                            .replay_batch_size(16)
                                            .alpha(0.3)
                                            .beta(0.7));
  const Batch& old_rows = f.stream.experiences[0].train;
  Batch first = strategy.before_step(f.context, old_rows);
  EXPECT_EQ(first.size(), old_rows.size());  // empty memory: nothing appended
  auto stored_outputs = f.model->forward(first);
  strategy.after_forward(f.context, first, stored_outputs);
  EXPECT_FALSE(strategy.step_loss(f.context, first, stored_outputs).defined());
  strategy.after_step(f.context, old_rows);  // stores (x, y, z = outputs at this moment)
  {
    torch::NoGradGuard no_grad;
    f.parameters.values().add_(0.05);  // the model moves on
  }
  const Batch& batch = f.stream.experiences[1].train;
  Batch step = strategy.before_step(f.context, batch);
  ASSERT_EQ(step.size(), 16 + 16 + 16);
  EXPECT_TRUE(torch::equal(step.at("x").slice(0, 0, 16), batch.at("x")));
  auto outputs = f.model->forward(step);
  strategy.after_forward(f.context, step, outputs);
  auto loss = strategy.step_loss(f.context, step, outputs);
  auto now = f.model->forward(old_rows).at("prediction");
  auto expected = torch::mse_loss(f.model->forward(batch).at("prediction"), batch.at("y")) +
                  0.3 * torch::mse_loss(now, stored_outputs.at("prediction").detach()) +
                  0.7 * torch::mse_loss(now, old_rows.at("y"));
  EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-5);
  // Only the new rows enter the memory, with their own outputs.
  strategy.after_step(f.context, batch);
  EXPECT_EQ(strategy.memory().samples, 16);
}

TEST(LearningWithoutForgetting, DistilsThePreviousModelsOutputs) {
  Fixture f;
  LearningWithoutForgettingStrategy strategy(LearningWithoutForgettingOptions().lambda(2.0));
  const Batch& batch = f.stream.experiences[1].train;
  EXPECT_FALSE(strategy.before_step(f.context, batch).contains("teacher_prediction"));
  strategy.after_experience(f.context, f.stream.experiences[0]);
  auto previous = f.parameters.values().clone();
  auto previous_prediction = f.model->forward(batch).at("prediction").detach();
  // Right after the snapshot the model is its own teacher: no distillation loss.
  Batch step = strategy.before_step(f.context, batch);
  EXPECT_NEAR(strategy.extra_loss(f.context, step, f.model->forward(step)).item<double>(), 0.0,
              1e-12);
  {
    torch::NoGradGuard no_grad;
    f.parameters.values().mul_(1.1);
  }
  step = strategy.before_step(f.context, batch);
  EXPECT_TRUE(torch::equal(step.at("teacher_prediction"), previous_prediction));
  auto expected =
      2.0 * torch::mse_loss(f.model->forward(batch).at("prediction"), previous_prediction);
  EXPECT_NEAR(strategy.extra_loss(f.context, step, f.model->forward(step)).item<double>(),
              expected.item<double>(), 1e-6);
  // The teacher's forward pass leaves the current parameters as they were.
  EXPECT_TRUE(torch::equal(f.parameters.values(), previous * 1.1));
}

}  // namespace
}  // namespace evergreen
