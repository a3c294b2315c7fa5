#include "evergreen/strategies/elastic_weight_consolidation.h"

#include <gtest/gtest.h>

#include "strategy_test_support.h"

namespace evergreen {
namespace {

// The empirical Fisher is the mean over rows of the squared gradient of -log p(y|x) =
// 0.5 ||y - f(x)||^2. Check it against squared central finite differences of that loss, row by
// row, on a tiny double-precision model.
TEST(ElasticWeightConsolidation, FisherMatchesFiniteDifferences) {
  torch::manual_seed(9);
  MlpForecaster model(MlpForecasterOptions(3, 2).hidden_size(3).layers(1));
  model->to(torch::kDouble);
  FlatParameters parameters(*model);
  Batch batch{{"x", torch::randn({4, 3}, torch::kDouble)}, {"y", torch::randn({4, 2}, torch::kDouble)}};
  auto fisher = empirical_fisher_diagonal(*model, parameters, batch);

  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  auto row_loss = [&](int64_t row) {
    Batch one = batch.slice(row, row + 1);
    return 0.5 * (model->forward(one).at("prediction") - one.at("y")).square().sum().item<double>();
  };
  for (int64_t i = 0; i < parameters.size(); ++i) {
    double original = parameters.values()[i].item<double>();
    double estimate = 0;
    for (int64_t row = 0; row < batch.size(); ++row) {
      parameters.values()[i] = original + step;
      double plus = row_loss(row);
      parameters.values()[i] = original - step;
      double minus = row_loss(row);
      parameters.values()[i] = original;
      double derivative = (plus - minus) / (2 * step);
      estimate += derivative * derivative / static_cast<double>(batch.size());
    }
    EXPECT_NEAR(fisher[i].item<double>(), estimate, 1e-6 + 1e-5 * estimate) << "parameter " << i;
  }
}

// The gradient added during training is the exact gradient of the penalty
// (lambda/2) sum F (theta - theta*)^2, and online EWC accumulates F with decay gamma.
TEST(ElasticWeightConsolidation, PenaltyGradientAndOnlineAccumulation) {
  auto stream = testing::tiny_forecasting_stream(2, 16);
  auto model = testing::tiny_mlp();
  model->to(torch::kDouble);
  for (auto& experience : stream.experiences)
    for (auto* split : {&experience.train, &experience.test})
      for (const auto& name : {"x", "y"}) split->set(name, split->at(name).to(torch::kDouble));
  FlatParameters parameters(*model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{*model, parameters, generator, 0, 16};
  ElasticWeightConsolidationStrategy strategy(
      ElasticWeightConsolidationOptions().lambda(3.0).gamma(0.5).fisher_samples(16));
  strategy.after_experience(context, stream.experiences[0]);
  auto anchor = parameters.values().clone();
  auto fisher_one = empirical_fisher_diagonal(*model, parameters, stream.experiences[0].train);

  {
    torch::NoGradGuard no_grad;
    parameters.values().add_(0.1 * torch::randn_like(parameters.values()));
  }
  parameters.zero_gradients();
  strategy.after_backward(context);
  auto expected = 3.0 * fisher_one * (parameters.values() - anchor);
  EXPECT_TRUE(torch::allclose(parameters.gradients(), expected, 1e-9, 1e-12));
  EXPECT_NEAR(strategy.penalty(parameters),
              1.5 * (fisher_one * (parameters.values() - anchor).square()).sum().item<double>(), 1e-12);

  auto fisher_two = empirical_fisher_diagonal(*model, parameters, stream.experiences[1].train);
  strategy.after_experience(context, stream.experiences[1]);
  parameters.zero_gradients();
  {
    torch::NoGradGuard no_grad;
    parameters.values().add_(0.1);
  }
  strategy.after_backward(context);
  auto combined = 0.5 * fisher_one + fisher_two;
  EXPECT_TRUE(torch::allclose(parameters.gradients(), 3.0 * combined * 0.1, 1e-9, 1e-12));
}

}  // namespace
}  // namespace evergreen
