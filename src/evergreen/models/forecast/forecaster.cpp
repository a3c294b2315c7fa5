#include "evergreen/models/forecast/forecaster.h"

#include "evergreen/core/error.h"
#include "evergreen/core/options.h"
#include "evergreen/eval/regression_metrics.h"

namespace evergreen {

WindowStatistics window_statistics(const torch::Tensor& x, double epsilon) {
  auto mean = x.mean(1, /*keepdim=*/true);
  auto variance = (x - mean).square().mean(1, /*keepdim=*/true);
  return {mean, (variance + epsilon).sqrt()};
}

torch::Tensor normalise_windows(const torch::Tensor& x, const WindowStatistics& statistics) {
  return (x - statistics.mean) / statistics.spread;
}

torch::Tensor restore_windows(const torch::Tensor& z, const WindowStatistics& statistics) {
  return z * statistics.spread + statistics.mean;
}

Forecaster::Forecaster(const ForecastWindowOptions& window, int64_t input_length, int64_t horizon)
    : window_(window), input_length_(input_length), horizon_(horizon) {
  EVERGREEN_CHECK_INPUT(window.normalisation() == "none" || window.normalisation() == "revin",
                        "forecaster option 'normalisation': expected none or revin, got '{}'",
                        window.normalisation());
  EVERGREEN_CHECK_INPUT(window.residual() == "none" || window.residual() == "last_value" ||
                            window.residual() == "seasonal",
                        "forecaster option 'residual': expected none, last_value or seasonal, "
                        "got '{}'",
                        window.residual());
  EVERGREEN_CHECK_INPUT(window.loss() == "mse" || window.loss() == "mae",
                        "forecaster option 'loss': expected mse or mae, got '{}'", window.loss());
  EVERGREEN_CHECK_INPUT(window.epsilon() > 0, "forecaster option 'epsilon': expected > 0, got {}",
                        window.epsilon());
  if (window.residual() == "seasonal") {
    // y_h reads x_{L - s + h}, h = 1..H: inside the window when H <= s <= L.
    EVERGREEN_CHECK_INPUT(
        window.season_steps() >= horizon && window.season_steps() <= input_length,
        "forecaster option 'season_steps': residual seasonal needs horizon ({}) <= season_steps "
        "<= input_length ({}), got {}",
        horizon, input_length, window.season_steps());
  }
  // In double: a series' scale may lie outside float32's range (values near 1e-298 have a scale
  // near 1e-299, which float32 rounds to 0 and every forecast with it).
  target_offset_ = register_buffer("target_offset", torch::zeros({1}, torch::kDouble));
  target_scale_ = register_buffer("target_scale", torch::ones({1}, torch::kDouble));
  if (window.affine()) {
    affine_weight_ = register_parameter("affine_weight", torch::ones({1}));
    affine_bias_ = register_parameter("affine_bias", torch::zeros({1}));
  }
  if (window.linear_skip())
    skip_weight_ = register_parameter("skip_weight", torch::zeros({horizon, input_length}));
}

void Forecaster::prepare(const Stream& stream) {
  torch::NoGradGuard no_grad;
  target_offset_.fill_(stream.spec.target.offset);
  target_scale_.fill_(stream.spec.target.scale);
}

Batch Forecaster::forward(const Batch& batch) {
  const auto& x = batch.at("x");
  const bool revin = window_.normalisation() == "revin";
  WindowStatistics statistics;
  torch::Tensor input = x;
  if (revin) {
    statistics = window_statistics(x, window_.epsilon());
    input = normalise_windows(x, statistics);
  }
  if (window_.affine()) input = input * affine_weight_ + affine_bias_;
  auto hint = encode(input);
  auto output = head(hint);
  if (window_.linear_skip()) output = output + torch::matmul(input, skip_weight_.t());
  if (window_.affine()) {
    // Undo the affine map; a residual's naive part is added outside it, so b cancels there.
    if (window_.residual() == "none") output = output - affine_bias_;
    output = output / affine_weight_;
  }
  if (revin) {
    output = window_.residual() == "none" ? restore_windows(output, statistics)
                                          : output * statistics.spread;
  }
  if (window_.residual() == "last_value") {
    output = output + x.slice(1, x.size(1) - 1);
  } else if (window_.residual() == "seasonal") {
    const int64_t first = x.size(1) - window_.season_steps();  // 0-based index of x_{L-s+1}
    output = output + x.slice(1, first, first + output.size(1));
  }
  return Batch{{"prediction", output}, {"hint", hint}};
}

torch::Tensor Forecaster::loss(const Batch& batch, const Batch& outputs) {
  if (window_.loss() == "mae") return torch::l1_loss(outputs.at("prediction"), batch.at("y"));
  return torch::mse_loss(outputs.at("prediction"), batch.at("y"));
}

torch::Tensor Forecaster::negative_log_likelihood(const Batch& batch, const Batch& outputs) {
  return 0.5 * (outputs.at("prediction") - batch.at("y")).square().sum();
}

std::map<std::string, double> Forecaster::evaluate(const Batch& batch) {
  torch::NoGradGuard no_grad;
  auto prediction =
      forward(batch).at("prediction").to(torch::kDouble) * target_scale_ + target_offset_;
  auto target = batch.at("y").to(torch::kDouble) * target_scale_ + target_offset_;
  return {{"mae", mean_absolute_error(prediction, target)},
          {"rmse", root_mean_squared_error(prediction, target)},
          {"smape", symmetric_mean_absolute_percentage_error(prediction, target)}};
}

ForecastWindowOptions read_forecast_window_options(Options& options) {
  ForecastWindowOptions d;  // defaults
  return ForecastWindowOptions()
      .normalisation(options.get_choice(
          "normalisation", d.normalisation(), {"none", "revin"},
          "per-window input normalisation: revin subtracts each window's mean, divides by its "
          "std and restores the forecast (after Kim et al., ICLR 2022)"))
      .affine(options.get<bool>("affine", d.affine(),
                                "learnable scale and shift after revin's normalisation"))
      .residual(options.get_choice(
          "residual", d.residual(), {"none", "last_value", "seasonal"},
          "the network predicts the change from this naive forecast (seasonal: the value "
          "season_steps earlier, which must lie in the window)"))
      .season_steps(options.get<int64_t>("season_steps", d.season_steps(),
                                         "season in steps for residual seasonal"))
      .linear_skip(options.get<bool>("linear_skip", d.linear_skip(),
                                     "add a linear map of the window to the network's output"))
      .loss(options.get_choice("loss", d.loss(), {"mse", "mae"},
                               "training loss; mae trains for the median, which MAE scores"));
}

std::pair<int64_t, int64_t> window_shape(const Stream& stream, const std::string& model) {
  EVERGREEN_CHECK_INPUT(!stream.experiences.empty() &&
                            stream.experiences.front().train.contains("x") &&
                            stream.experiences.front().train.contains("y"),
                        "model '{}' needs a forecasting stream (batches with 'x' and 'y')", model);
  const Batch& train = stream.experiences.front().train;
  return {train.at("x").size(1), train.at("y").size(1)};
}

}  // namespace evergreen
