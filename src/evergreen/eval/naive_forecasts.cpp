#include "evergreen/eval/naive_forecasts.h"

#include "evergreen/core/error.h"
#include "evergreen/models/model.h"

namespace evergreen {
namespace {

/// The points a split's windows cover, in order (stride 1: window k starts at point k).
torch::Tensor split_points(const Batch& windows) {
  const auto& x = windows.at("x");
  const auto& y = windows.at("y");
  const int64_t last = x.size(0) - 1;
  return torch::cat({x.select(1, 0), x[last].slice(0, 1), y[last]}).to(torch::kDouble);
}

torch::Tensor in_series_units(const Stream& stream, const torch::Tensor& standardised) {
  return standardised.to(torch::kDouble) * stream.spec.target.scale + stream.spec.target.offset;
}

/// The last input value of every test window of `experience`, for every horizon step.
torch::Tensor last_values(const Stream& stream, const Experience& experience) {
  auto x = in_series_units(stream, experience.test.at("x"));
  const int64_t rows = x.size(0), length = x.size(1), horizon = experience.test.at("y").size(1);
  return x.select(1, length - 1).unsqueeze(1).expand({rows, horizon}).contiguous();
}

void check_forecasting(const Stream& stream) {
  EVERGREEN_CHECK_INPUT(stream.spec.kind == StreamKind::kForecasting,
                        "{}: naive forecasts need a forecasting stream, got {}", stream.name,
                        stream_kind_name(stream.spec.kind));
}

void append_one_step(const torch::Tensor& forecast, const torch::Tensor& actual,
                     ForecastTrace& trace) {
  for (int64_t i = 0; i < actual.size(0); ++i) {
    trace.actual.push_back(actual[i][0].item<double>());
    trace.forecast.push_back(forecast[i][0].item<double>());
  }
}

}  // namespace

ForecastTrace model_one_step_forecasts(Model& model, const Stream& stream, int64_t index) {
  EVERGREEN_CHECK_INPUT(0 <= index && index < stream.size(), "experience {}: the stream has {}",
                        index, stream.size());
  torch::NoGradGuard no_grad;
  const Batch& test = stream.experiences[index].test;
  auto prediction = model.forward(test).at("prediction").select(1, 0).to(torch::kDouble);
  auto actual = test.at("y").select(1, 0).to(torch::kDouble);
  ForecastTrace trace;
  for (int64_t i = 0; i < actual.size(0); ++i) {
    trace.actual.push_back(actual[i].item<double>() * stream.spec.target.scale +
                           stream.spec.target.offset);
    trace.forecast.push_back(prediction[i].item<double>() * stream.spec.target.scale +
                             stream.spec.target.offset);
  }
  return trace;
}

torch::Tensor window_stream_series(const Stream& stream) {
  check_forecasting(stream);
  std::vector<torch::Tensor> parts;
  for (const auto& experience : stream.experiences) {
    parts.push_back(split_points(experience.train));
    parts.push_back(split_points(experience.test));
  }
  return torch::cat(parts) * stream.spec.target.scale + stream.spec.target.offset;
}

NaiveForecasts last_value_forecasts(const Stream& stream) {
  check_forecasting(stream);
  NaiveForecasts result{"last-value", {}, {}};
  for (const auto& experience : stream.experiences) {
    auto y = in_series_units(stream, experience.test.at("y"));
    auto forecast = last_values(stream, experience);
    result.period_mae.push_back((forecast - y).abs().mean().item<double>());
    append_one_step(forecast, y, result.trace);
  }
  return result;
}

NaiveForecasts seasonal_naive_forecasts(const Stream& stream, int64_t season_steps) {
  EVERGREEN_CHECK_INPUT(season_steps >= 1, "season of {} steps: expected >= 1", season_steps);
  auto series = window_stream_series(stream);
  NaiveForecasts result{"seasonal-naive", {}, {}};
  int64_t period_start = 0;
  for (const auto& experience : stream.experiences) {
    const int64_t train_points = split_points(experience.train).size(0);
    const int64_t test_points = split_points(experience.test).size(0);
    auto y = in_series_units(stream, experience.test.at("y"));
    auto forecast = last_values(stream, experience).clone();
    const int64_t rows = y.size(0), length = experience.test.at("x").size(1), horizon = y.size(1);
    // Test window k of this period starts at series point period_start + train_points + k.
    const int64_t first_target = period_start + train_points + length;
    EVERGREEN_ASSERT(
        torch::allclose(series.slice(0, first_target, first_target + rows), y.select(1, 0)),
        "rebuilt series does not match the test windows");
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t h = 0; h < horizon; ++h) {
        const int64_t target = first_target + k + h;
        if (target - season_steps >= 0) forecast[k][h] = series[target - season_steps];
      }
    period_start += train_points + test_points;
    result.period_mae.push_back((forecast - y).abs().mean().item<double>());
    append_one_step(forecast, y, result.trace);
  }
  return result;
}

}  // namespace evergreen
