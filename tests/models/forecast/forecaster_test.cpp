#include <gtest/gtest.h>

#include <filesystem>

#include "evergreen/core/error.h"
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

// A series near 1e-298 has its scale near 1e-299, which float32 rounds to 0: every forecast and
// target became 0 and the errors those of a perfect model. The metrics are computed in double.
TEST(Forecaster, MetricsKeepAScaleOutsideFloat32sRange) {
  MlpForecaster model(MlpForecasterOptions(4, 2).hidden_size(3));
  Stream stream;
  stream.spec.target.offset = 5e-298;
  stream.spec.target.scale = 1e-299;
  model->prepare(stream);
  Batch batch{{"x", torch::randn({6, 4})}, {"y", torch::randn({6, 2})}};
  torch::NoGradGuard no_grad;
  auto standardised_error =
      (model->forward(batch).at("prediction") - batch.at("y")).abs().mean().item<double>();
  ASSERT_GT(standardised_error, 0.01);
  EXPECT_NEAR(model->evaluate(batch).at("mae") / (1e-299 * standardised_error), 1.0, 1e-5);
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

// --- Per-window normalisation and residual framing (after Kim et al., ICLR 2022) ---

ForecastWindowOptions framing(const std::string& normalisation, const std::string& residual) {
  return ForecastWindowOptions().normalisation(normalisation).residual(residual);
}

// Zeroes the output layer, so that the network's output g is exactly 0.
void zero_head(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters())
    if (item.key().rfind("output.", 0) == 0) item.value().zero_();
}

TEST(ForecastWindow, NormaliseThenRestoreIsTheIdentity) {
  torch::manual_seed(1);
  auto x = torch::randn({5, 12}, torch::kDouble) * 7.0 + 3.0;
  auto statistics = window_statistics(x, 1e-5);
  auto z = normalise_windows(x, statistics);
  EXPECT_TRUE(torch::allclose(restore_windows(z, statistics), x, 1e-12, 1e-12));
  // Each normalised row has mean 0 and population variance var / (var + eps).
  auto variance = (x - x.mean(1, true)).square().mean(1);
  EXPECT_TRUE(torch::allclose(z.mean(1), torch::zeros({5}, torch::kDouble), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(z.square().mean(1), variance / (variance + 1e-5), 1e-12, 0));
}

// Hand-computed: the window (1, 2, 3, 6) has mean 3 and population variance 3.5.
TEST(ForecastWindow, StatisticsOfAHandWindow) {
  auto x = torch::tensor({{1.0, 2.0, 3.0, 6.0}}, torch::kDouble);
  auto statistics = window_statistics(x, 0.5);
  EXPECT_DOUBLE_EQ(statistics.mean.item<double>(), 3.0);
  EXPECT_DOUBLE_EQ(statistics.spread.item<double>(), 2.0);  // sqrt(3.5 + 0.5)
  auto z = normalise_windows(x, statistics);
  EXPECT_TRUE(torch::equal(z, torch::tensor({{-1.0, -0.5, 0.0, 1.5}}, torch::kDouble)));
}

// With the head at zero every framing returns its naive forecast: the window mean (revin,
// no residual), the last value, the value one season earlier; exactly, not approximately.
TEST(ForecastWindow, AZeroHeadReturnsTheNaiveForecast) {
  torch::manual_seed(2);
  auto x = torch::randn({4, 8}) * 3.0 + 10.0;
  Batch batch{{"x", x}};
  torch::NoGradGuard no_grad;
  {
    MlpForecaster model(
        MlpForecasterOptions(8, 3).hidden_size(5).window(framing("none", "last_value")));
    zero_head(*model);
    auto prediction = model->forward(batch).at("prediction");
    EXPECT_TRUE(torch::equal(prediction, x.slice(1, 7).expand({4, 3})));
  }
  {
    LstmForecaster model(
        LstmForecasterOptions(8, 3).hidden_size(4).window(framing("revin", "last_value")));
    zero_head(*model);
    EXPECT_TRUE(torch::equal(model->forward(batch).at("prediction"), x.slice(1, 7).expand({4, 3})));
  }
  {
    MlpForecaster model(MlpForecasterOptions(8, 3).hidden_size(5).window(
        framing("revin", "seasonal").season_steps(5)));
    zero_head(*model);
    // y_h = x_{L - s + h}: positions 4, 5, 6 (1-based), i.e. 3..5 0-based.
    EXPECT_TRUE(torch::equal(model->forward(batch).at("prediction"), x.slice(1, 3, 6)));
  }
  {
    MlpForecaster model(MlpForecasterOptions(8, 3).hidden_size(5).window(framing("revin", "none")));
    zero_head(*model);
    EXPECT_TRUE(
        torch::equal(model->forward(batch).at("prediction"), x.mean(1, true).expand({4, 3})));
  }
}

// RevIN's affine map is undone on the output: with g = 0, w = 2 and b = 0.5 the forecast is
// mu + sigma (0 - b) / w = mu - sigma / 4.
TEST(ForecastWindow, TheAffineMapIsUndoneOnTheOutput) {
  auto x = torch::tensor({{1.0, 2.0, 3.0, 6.0}});
  MlpForecaster model(
      MlpForecasterOptions(4, 2).hidden_size(3).window(framing("revin", "none").affine(true)));
  torch::NoGradGuard no_grad;
  zero_head(*model);
  model->named_parameters()["affine_weight"].fill_(2.0);
  model->named_parameters()["affine_bias"].fill_(0.5);
  auto statistics = window_statistics(x, 1e-5);
  auto expected = (statistics.mean - statistics.spread / 4).expand({1, 2});
  EXPECT_TRUE(torch::allclose(model->forward(Batch{{"x", x}}).at("prediction"), expected, 1e-6, 0));
}

// A window shifted by a constant c gives its forecast shifted by c (translation equivariance of
// the normalisation), for both networks and both residual modes.
TEST(ForecastWindow, AConstantOffsetComesBackInTheForecast) {
  torch::manual_seed(5);
  auto x = torch::randn({6, 10}, torch::kDouble);
  const double offset = 25.0;
  std::vector<std::shared_ptr<Forecaster>> models = {
      std::make_shared<MlpForecasterImpl>(
          MlpForecasterOptions(10, 4).hidden_size(8).window(framing("revin", "none"))),
      std::make_shared<MlpForecasterImpl>(
          MlpForecasterOptions(10, 4).hidden_size(8).window(framing("revin", "last_value"))),
      std::make_shared<LstmForecasterImpl>(LstmForecasterOptions(10, 4).hidden_size(6).window(
          framing("revin", "seasonal").season_steps(6).affine(true)))};
  torch::NoGradGuard no_grad;
  for (auto& model : models) {
    model->to(torch::kDouble);
    auto base = model->forward(Batch{{"x", x}}).at("prediction");
    auto shifted = model->forward(Batch{{"x", x + offset}}).at("prediction");
    EXPECT_TRUE(torch::allclose(shifted, base + offset, 0, 1e-9));
  }
}

TEST(ForecastWindow, ASeasonOutsideTheWindowIsAnInputError) {
  EXPECT_THROW(MlpForecaster(
                   MlpForecasterOptions(8, 3).window(framing("revin", "seasonal").season_steps(9))),
               InputError);
  EXPECT_THROW(MlpForecaster(
                   MlpForecasterOptions(8, 3).window(framing("revin", "seasonal").season_steps(2))),
               InputError);
  EXPECT_THROW(MlpForecaster(MlpForecasterOptions(8, 3).window(framing("minmax", "none"))),
               InputError);
}

// Parameters (RevIN's affine included) and buffers survive a save and load bit for bit, and the
// reloaded model forecasts exactly what the saved one did.
TEST(ForecastWindow, ACheckpointReloadsBitForBit) {
  torch::manual_seed(6);
  auto options =
      MlpForecasterOptions(8, 3).hidden_size(5).window(framing("revin", "last_value").affine(true));
  MlpForecaster saved(options);
  {
    torch::NoGradGuard no_grad;
    saved->named_parameters()["affine_weight"].fill_(1.25);
    saved->named_parameters()["affine_bias"].fill_(-0.5);
  }
  Stream stream;
  stream.spec.target.offset = 3.0;
  stream.spec.target.scale = 2.0;
  saved->prepare(stream);
  auto file = std::filesystem::temp_directory_path() / "evergreen_forecaster_checkpoint_test.pt";
  torch::serialize::OutputArchive out;
  saved->save(out);
  out.save_to(file.string());

  torch::manual_seed(7);  // different initial weights
  MlpForecaster loaded(options);
  torch::serialize::InputArchive in;
  in.load_from(file.string());
  loaded->load(in);
  std::filesystem::remove(file);
  auto saved_parameters = saved->named_parameters();
  for (const auto& item : loaded->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), saved_parameters[item.key()])) << item.key();
  auto saved_buffers = saved->named_buffers();
  for (const auto& item : loaded->named_buffers())
    EXPECT_TRUE(torch::equal(item.value(), saved_buffers[item.key()])) << item.key();
  Batch batch{{"x", torch::randn({4, 8})}, {"y", torch::randn({4, 3})}};
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(loaded->forward(batch).at("prediction"),
                           saved->forward(batch).at("prediction")));
  EXPECT_EQ(loaded->evaluate(batch), saved->evaluate(batch));
}

TEST(Forecaster, MlpAffineGradientMatchesFiniteDifferences) {
  torch::manual_seed(8);
  MlpForecaster model(MlpForecasterOptions(6, 2).hidden_size(4).window(
      framing("revin", "last_value").affine(true)));
  expect_gradient_matches_finite_differences(*model, 6);
}

}  // namespace
}  // namespace evergreen
