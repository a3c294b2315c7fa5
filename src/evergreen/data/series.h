// Series: one univariate time series, the common form of every workload source (files,
// generators) before it is cut into windows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace evergreen {

/// A univariate, regularly sampled time series with optional per-point anomaly labels.
///
/// Example:
///   Series series{"cpu", {16.1, 18.5, 17.9}, /*step_seconds=*/300};
///   Stream stream = make_window_stream(series, WindowStreamOptions().input_length(2).horizon(1));
struct Series {
  std::string name;
  std::vector<double> values;
  double step_seconds = 60;
  /// Empty (unknown) or one label per value: 0 normal, otherwise the kind of event acting there
  /// (for generated workloads: 1 spike, 2 level shift, 3 pattern change).
  std::vector<int> anomaly_labels;
  /// Source rows skipped because their value was invalid (CSV option `invalid_values: drop`);
  /// reported so that a shortened series never goes unnoticed.
  int64_t dropped_points = 0;

  int64_t size() const { return static_cast<int64_t>(values.size()); }
};

}  // namespace evergreen
