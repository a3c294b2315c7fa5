// Cuts a series into a stream of periods of forecasting windows: the continual-learning view of
// a workload (each period is one experience, learned in order, tested on all).
#pragma once

#include <torch/arg.h>

#include <cstdint>

#include "evergreen/data/experience.h"
#include "evergreen/data/series.h"

namespace evergreen {

/// How a series becomes a stream of windows. In every period the first
/// floor(period_length * (1 - test_fraction)) points give the training windows and the others
/// the test windows; no window crosses from train to test or from one period to the next.
///
/// Example:
///   auto options = WindowStreamOptions().periods(6).input_length(48).horizon(6);
///   Stream stream = make_window_stream(series, options);
///   // stream.experiences[2].train.at("x"): float32 [N, 48]; .at("y"): float32 [N, 6]
struct WindowStreamOptions {
  /// Number of consecutive equal periods (the points left over at the end are unused).
  TORCH_ARG(int64_t, periods) = 6;
  /// Points the forecaster sees (L).
  TORCH_ARG(int64_t, input_length) = 48;
  /// Points it predicts after them (H).
  TORCH_ARG(int64_t, horizon) = 6;
  /// Share of each period, at its end, used for testing; in (0, 1).
  TORCH_ARG(double, test_fraction) = 0.25;
  /// Steps between the starts of two consecutive windows.
  TORCH_ARG(int64_t, stride) = 1;
};

/// The fewest points a series needs for `options`: every period's train and test parts must
/// each hold at least one window of input_length + horizon points.
int64_t window_stream_min_points(const WindowStreamOptions& options);

/// The stream of periods. Batch keys: "x" float32 [N, input_length] and "y" float32
/// [N, horizon], both standardised as (value - spec.target.offset) / spec.target.scale with the
/// mean and (population) standard deviation of the first period's training points only (a standard
/// deviation of 0 gives scale 1, or the largest magnitude for a series beyond 1e-100..1e100),
/// computed in double so that a series of any finite magnitude (1e-298 as well as 1e300) reaches
/// float32 as values of order 1. Experience `id` is the 0-based period index, `name`
/// "period K" (1-based); metadata: start, end (exclusive), train_end, train_windows,
/// test_windows and, when the series has labels, anomaly_fraction (of the period's points).
/// InputError on bad options, non-finite values, a series too short, a point float32 cannot
/// hold once standardised, or windows beyond the memory budget.
Stream make_window_stream(const Series& series, const WindowStreamOptions& options);

}  // namespace evergreen
