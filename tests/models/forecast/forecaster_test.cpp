#include <gtest/gtest.h>

#include "evergreen/models/flat_parameters.h"
#include "evergreen/models/forecast/lstm_forecaster.h"
#include "evergreen/models/forecast/mlp_forecaster.h"

namespace evergreen {
namespace {

TEST(MlpForecaster, ShapesAndHandCountedMacs) {
  MlpForecaster model(MlpForecasterOptions(10, 3).hidden_size(8).layers(2));
  Batch outputs = model->forward(Batch{{"x", torch::randn({4, 10})}});
  EXPECT_EQ(outputs.at("prediction").sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(outputs.at("hint").sizes(), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(model->forward_macs_per_row(), 10 * 8 + 8 * 8 + 8 * 3);
  EXPECT_EQ(model->hint_size(), 8);
}

TEST(LstmForecaster, ShapesAndHandCountedMacs) {
  LstmForecaster model(LstmForecasterOptions(12, 2).hidden_size(5));
  Batch outputs = model->forward(Batch{{"x", torch::randn({3, 12})}});
  EXPECT_EQ(outputs.at("prediction").sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(outputs.at("hint").sizes(), (std::vector<int64_t>{3, 5}));
  // per step 4 gates x hidden x (input + hidden) multiply-adds, 12 steps, then the head.
  EXPECT_EQ(model->forward_macs_per_row(), 12 * 4 * 5 * (1 + 5) + 5 * 2);
}

TEST(Forecaster, MetricsAreInTheSeriesUnits) {
  MlpForecaster model(MlpForecasterOptions(4, 2).hidden_size(3));
  Stream stream;
  stream.spec.target.offset = 100.0;
  stream.spec.target.scale = 10.0;
  model->prepare(stream);
  Batch batch{{"x", torch::randn({6, 4})}, {"y", torch::randn({6, 2})}};
  torch::NoGradGuard no_grad;
  auto standardised_error =
      (model->forward(batch).at("prediction") - batch.at("y")).abs().mean().item<double>();
  EXPECT_NEAR(model->evaluate(batch).at("mae"), 10.0 * standardised_error, 1e-4);
}

// The gradient of the training loss against central finite differences, in double precision.
void expect_gradient_matches_finite_differences(Model& model, int64_t input_length) {
  model.to(torch::kDouble);
  FlatParameters parameters(model);
  Batch batch{{"x", torch::randn({5, input_length}, torch::kDouble)},
              {"y", torch::randn({5, 2}, torch::kDouble)}};
  parameters.zero_gradients();
  model.loss(batch, model.forward(batch)).backward();
  auto analytic = parameters.gradients().clone();
  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  for (int64_t i = 0; i < parameters.size(); i += 7) {
    double original = parameters.values()[i].item<double>();
    parameters.values()[i] = original + step;
    double plus = model.loss(batch, model.forward(batch)).item<double>();
    parameters.values()[i] = original - step;
    double minus = model.loss(batch, model.forward(batch)).item<double>();
    parameters.values()[i] = original;
    EXPECT_NEAR(analytic[i].item<double>(), (plus - minus) / (2 * step), 1e-6) << "parameter " << i;
  }
}

TEST(Forecaster, MlpGradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  MlpForecaster model(MlpForecasterOptions(6, 2).hidden_size(4));
  expect_gradient_matches_finite_differences(*model, 6);
}

TEST(Forecaster, LstmGradientMatchesFiniteDifferences) {
  torch::manual_seed(4);
  LstmForecaster model(LstmForecasterOptions(5, 2).hidden_size(3));
  expect_gradient_matches_finite_differences(*model, 5);
}

}  // namespace
}  // namespace evergreen
