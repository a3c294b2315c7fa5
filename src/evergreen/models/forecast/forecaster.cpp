#include "evergreen/models/forecast/forecaster.h"

#include "evergreen/core/error.h"
#include "evergreen/eval/regression_metrics.h"

namespace evergreen {

Forecaster::Forecaster() {
  target_offset_ = register_buffer("target_offset", torch::zeros({1}));
  target_scale_ = register_buffer("target_scale", torch::ones({1}));
}

void Forecaster::prepare(const Stream& stream) {
  torch::NoGradGuard no_grad;
  target_offset_.fill_(stream.spec.target.offset);
  target_scale_.fill_(stream.spec.target.scale);
}

Batch Forecaster::forward(const Batch& batch) {
  auto hint = encode(batch.at("x"));
  return Batch{{"prediction", head(hint)}, {"hint", hint}};
}

torch::Tensor Forecaster::loss(const Batch& batch, const Batch& outputs) {
  return torch::mse_loss(outputs.at("prediction"), batch.at("y"));
}

torch::Tensor Forecaster::negative_log_likelihood(const Batch& batch, const Batch& outputs) {
  return 0.5 * (outputs.at("prediction") - batch.at("y")).square().sum();
}

std::map<std::string, double> Forecaster::evaluate(const Batch& batch) {
  torch::NoGradGuard no_grad;
  auto prediction = forward(batch).at("prediction") * target_scale_ + target_offset_;
  auto target = batch.at("y") * target_scale_ + target_offset_;
  return {{"mae", mean_absolute_error(prediction, target)},
          {"rmse", root_mean_squared_error(prediction, target)},
          {"smape", symmetric_mean_absolute_percentage_error(prediction, target)}};
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
