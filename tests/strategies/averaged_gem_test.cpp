#include "evergreen/strategies/averaged_gem.h"

#include <gtest/gtest.h>

#include "strategy_test_support.h"

namespace evergreen {
namespace {

TEST(AveragedGem, ProjectionRemovesTheConflictingComponent) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(5);
  int conflicts = 0;
  for (int trial = 0; trial < 200; ++trial) {
    auto gradient = torch::randn({20}, generator, torch::kDouble);
    auto reference = torch::randn({20}, generator, torch::kDouble);
    auto projected = averaged_gem_project(gradient, reference);
    double dot = gradient.dot(reference).item<double>();
    if (dot >= 0) {
      EXPECT_TRUE(torch::equal(projected, gradient));  // no conflict: unchanged
      continue;
    }
    ++conflicts;
    // The projected gradient never increases the reference loss to first order...
    EXPECT_GE(projected.dot(reference).item<double>(), -1e-10);
    EXPECT_NEAR(projected.dot(reference).item<double>(), 0.0, 1e-10);
    // ...and is the closest such vector: the change is along the reference only.
    auto change = gradient - projected;
    EXPECT_NEAR(torch::abs(torch::cosine_similarity(change, reference, 0)).item<double>(), 1.0,
                1e-9);
  }
  EXPECT_GT(conflicts, 50);
}

TEST(AveragedGem, TrainingStepUsesProjectedGradient) {
  auto stream = testing::tiny_forecasting_stream(2, 32);
  auto model = testing::tiny_mlp();
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 32};
  AveragedGemStrategy strategy(
      AveragedGemOptions().memory(ReplayMemoryOptions().capacity(32)).replay_batch_size(32));
  strategy.after_step(context, stream.experiences[0].train);  // memory = all of experience 1
  const Batch& memory = stream.experiences[0].train;
  const Batch& batch = stream.experiences[1].train;
  parameters.zero_gradients();
  model->loss(memory, model->forward(memory)).backward();
  auto reference = parameters.gradients().clone();
  parameters.zero_gradients();
  model->loss(batch, model->forward(batch)).backward();
  auto gradient = parameters.gradients().clone();
  strategy.after_backward(context);
  EXPECT_TRUE(torch::allclose(parameters.gradients(), averaged_gem_project(gradient, reference),
                              1e-5, 1e-6));
  EXPECT_GE(parameters.gradients().dot(reference).item<double>(), -1e-5);
}

}  // namespace
}  // namespace evergreen
