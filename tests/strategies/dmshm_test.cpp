#include "evergreen/strategies/dmshm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/run/trainer.h"
#include "evergreen/strategies/kernel_density.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

double normal_density(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }

TEST(KernelDensity, MatchesHandComputedValues) {
  auto data = torch::tensor({0.0, 1.0, 3.0}, torch::kDouble).view({3, 1});
  auto bandwidth = torch::tensor({1.0}, torch::kDouble);
  auto at_half = gaussian_kde_log_density(torch::tensor({{0.5}}, torch::kDouble), data, bandwidth,
                                          false);
  double expected = (normal_density(0.5) + normal_density(0.5) + normal_density(2.5)) / 3.0;
  EXPECT_NEAR(std::exp(at_half.item<double>()), expected, 1e-12);
  // Leave-one-out at the data points: row 0 sees only 1 and 3.
  auto loo = gaussian_kde_log_density(data, data, bandwidth, true);
  EXPECT_NEAR(std::exp(loo[0].item<double>()), (normal_density(1.0) + normal_density(3.0)) / 2.0,
              1e-12);
  // Bandwidth 2 in two dimensions: the product kernel, each factor N(z / h) / h.
  auto data_2d = torch::tensor({{0.0, 0.0}, {2.0, 2.0}}, torch::kDouble);
  auto two = torch::tensor({2.0, 2.0}, torch::kDouble);
  auto at_origin = gaussian_kde_log_density(torch::tensor({{0.0, 0.0}}, torch::kDouble), data_2d,
                                            two, false);
  double one_dim_far = normal_density(1.0) / 2.0, one_dim_near = normal_density(0.0) / 2.0;
  EXPECT_NEAR(std::exp(at_origin.item<double>()),
              (one_dim_near * one_dim_near + one_dim_far * one_dim_far) / 2.0, 1e-12);
  // Scott's rule: sigma * n^(-1/(d+4)), sigma the sample standard deviation (sqrt(42/18) here).
  EXPECT_NEAR(scott_bandwidth(data).item<double>(), std::sqrt(42.0 / 18.0) * std::pow(3.0, -0.2),
              1e-12);
}

TEST(Dmshm, DuplicatedWindowsAreDownWeighted) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(1);
  auto duplicates = torch::tensor({1.0, 1.0}, torch::kDouble).repeat({20, 1});
  auto distinct = torch::randn({6, 2}, generator, torch::kDouble) * 3.0;
  auto candidates = torch::cat({duplicates, distinct});
  auto log_weights =
      dmshm_log_weights(candidates, torch::zeros({26}, torch::kBool), 1.0, 0.0);
  double duplicate_weight = log_weights.slice(0, 0, 20).max().item<double>();
  double distinct_weight = log_weights.slice(0, 20).min().item<double>();
  EXPECT_LT(duplicate_weight, distinct_weight);
}

// Old memory and most new windows come from one regime; a few new windows from a shifted one.
// With the shift score the shifted cluster is kept far more often than uniform sampling would.
TEST(Dmshm, ShiftedClusterIsKept) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(2);
  auto old_memory = torch::randn({30, 2}, generator, torch::kDouble);
  auto new_typical = torch::randn({60, 2}, generator, torch::kDouble);
  auto shifted = torch::randn({6, 2}, generator, torch::kDouble) * 0.3 + 6.0;
  auto candidates = torch::cat({old_memory, new_typical, shifted});
  auto old_rows = torch::zeros({96}, torch::kBool);
  old_rows.slice(0, 0, 30).fill_(true);
  for (auto [density, shift] : {std::pair{0.0, 1.0}, std::pair{1.0, 1.0}}) {
    auto log_weights = dmshm_log_weights(candidates, old_rows, density, shift);
    double kept = 0;
    const int trials = 200;
    for (int trial = 0; trial < trials; ++trial) {
      auto index = weighted_sample_without_replacement(log_weights, 30, generator);
      kept += (index >= 90).sum().item<double>();
    }
    // Uniform sampling keeps 6 * 30 / 96 = 1.9 of the 6 shifted windows on average.
    EXPECT_GT(kept / trials, 4.5) << "density " << density << " shift " << shift;
  }
}

TEST(Dmshm, WeightedSamplingIsProportionalToWeights) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
  auto weights = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kDouble);
  std::vector<double> counts(4, 0.0);
  const int trials = 20000;
  for (int trial = 0; trial < trials; ++trial)
    counts[weighted_sample_without_replacement(weights.log(), 1, generator).item<int64_t>()] += 1;
  double chi_square = 0;
  for (int i = 0; i < 4; ++i) {
    double expected = trials * weights[i].item<double>() / 10.0;
    chi_square += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  EXPECT_LT(chi_square, 16.27);  // 3 degrees of freedom, 0.999 quantile
  auto all = weighted_sample_without_replacement(weights.log(), 3, generator);
  EXPECT_EQ(std::get<0>(torch::_unique(all)).numel(), 3);
}

TEST(Dmshm, MemoryNeverExceedsItsBudget) {
  auto stream = testing::tiny_forecasting_stream(4, 30);
  for (auto options : {DmshmOptions().memory_size(10), DmshmOptions().memory_size(0).memory_fraction(0.1)}) {
    auto model = testing::tiny_mlp();
    DmshmStrategy strategy(options);
    Trainer trainer(*model, strategy, TrainOptions().epochs(1).batch_size(8), 0);
    int64_t seen = 0;
    for (const auto& experience : stream.experiences) {
      trainer.train(experience);
      seen += experience.train.size();
      int64_t budget = options.memory_size() > 0
                           ? options.memory_size()
                           : static_cast<int64_t>(std::ceil(options.memory_fraction() * seen));
      EXPECT_EQ(strategy.memory().samples, std::min(budget, seen));
    }
  }
}

// At the start of a period the model equals the previous one and the regressor is the identity,
// so the hint loss is zero; it becomes positive once the model has moved.
TEST(Dmshm, HintLossStartsAtZeroAndGrowsAsTheModelDrifts) {
  auto stream = testing::tiny_forecasting_stream(2, 30);
  auto model = testing::tiny_mlp();
  DmshmStrategy strategy(DmshmOptions().memory_size(16).hint_weight(2.0));
  Trainer trainer(*model, strategy, TrainOptions().epochs(1).batch_size(8), 0);
  trainer.train(stream.experiences[0]);
  TrainingContext context{*model, trainer.parameters(), trainer.generator(), 1, 8};
  strategy.before_experience(context, stream.experiences[1]);
  const Batch batch = stream.experiences[1].train.slice(0, 8);
  Batch step = strategy.before_step(context, batch);
  EXPECT_EQ(step.size(), 8 + 8);
  EXPECT_NEAR(strategy.extra_loss(context, step, model->forward(step)).item<double>(), 0.0, 1e-10);
  {
    torch::NoGradGuard no_grad;
    trainer.parameters().values().add_(0.05);
  }
  step = strategy.before_step(context, batch);
  EXPECT_GT(strategy.extra_loss(context, step, model->forward(step)).item<double>(), 1e-6);
}

}  // namespace
}  // namespace evergreen
