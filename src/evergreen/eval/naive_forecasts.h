// Forecasts that need no learning, the references a learned forecaster must beat on a window
// stream (data/window_stream.h, stride 1): the last observed value, and seasonal naive (the value
// one season earlier). Also a learned model's one-step forecasts in the same form, so a scaling
// simulation (autoscaling/scaling_policy.h) can consume either.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/data/experience.h"

namespace evergreen {

class Model;

/// One-step-ahead forecasts next to what happened, in the series' own units: forecast[i] is the
/// forecast of the first horizon step of test window i, actual[i] that step's value.
struct ForecastTrace {
  std::vector<double> actual;
  std::vector<double> forecast;
};

/// `model`'s "prediction" on the test windows of experience `index`, first horizon step, with
/// the standardisation undone.
///
/// Example:
///   control.after_experience = [&](Model& model, int64_t index) {
///     auto part = model_one_step_forecasts(model, stream, index);
///   };
ForecastTrace model_one_step_forecasts(Model& model, const Stream& stream, int64_t index);

/// The series a stride-1 window stream was cut from, in its own units (float64): per
/// experience, the points its training windows cover and then those its test windows cover (the
/// points a period leaves unused at the stream's end are not included).
torch::Tensor window_stream_series(const Stream& stream);

/// A reference's forecasts of every experience's test windows.
struct NaiveForecasts {
  std::string label;               ///< "last-value" or "seasonal-naive"
  std::vector<double> period_mae;  ///< per experience: MAE over its test windows and horizon
  ForecastTrace trace;             ///< one-step forecasts, experiences in order
};

/// Every horizon step forecast as the window's last input value.
NaiveForecasts last_value_forecasts(const Stream& stream);

/// Every horizon step forecast as the series' value `season_steps` (>= 1) before it (e.g. one
/// day), or as the window's last input value where the series holds no point that far back. On a
/// series of period `season_steps` it is exact from the second season on.
///
/// Example:
///   auto seasonal = seasonal_naive_forecasts(stream, 96);  // 15-minute steps, one day
///   double first_period_mae = seasonal.period_mae.front();
NaiveForecasts seasonal_naive_forecasts(const Stream& stream, int64_t season_steps);

}  // namespace evergreen
