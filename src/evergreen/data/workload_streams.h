// Workload streams built from a flat map of options (a config's `stream:` section): the
// synthetic generator or a CSV file, cut into periods of forecasting windows.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/data/csv_series.h"
#include "evergreen/data/experience.h"
#include "evergreen/data/window_stream.h"
#include "evergreen/data/workload_generator.h"

namespace evergreen {

/// Reads the window keys: periods, input_length, horizon, test_fraction, stride.
WindowStreamOptions read_window_stream_options(Options& options);

/// Reads the generator keys: days, steps_per_day, base_level, daily_amplitude,
/// daily_peak_hour, weekly_amplitude, trend_per_day, noise, seed, events_per_week, warmup_days,
/// event_kinds, spike_amplitude, spike_decay_steps, level_shift, pattern_min_factor,
/// pattern_max_factor, pattern_max_phase_hours.
WorkloadGeneratorOptions read_workload_generator_options(Options& options);

/// Reads the CSV keys: path (required), column, header, delimiter, layout, resample,
/// aggregate, step_seconds, invalid_values, sentinels, label_column. Returns the path.
std::string read_csv_series_options(Options& options, CsvSeriesOptions* csv_options);

/// A generated workload as a stream of periods. Unread keys are left for the caller's
/// check_all_read().
///
/// Example:
///   Options options(YAML::Load("{days: 28, periods: 4, seed: 3}"), "stream");
///   Stream stream = make_synthetic_workload_stream(options);   // 4 experiences
Stream make_synthetic_workload_stream(Options& options);

/// A workload read from a CSV file as a stream of periods.
///
/// Example:
///   Options options(YAML::Load("{path: machine_usage_300s.csv, column: cpu_util_percent, "
///                              "step_seconds: 300, input_length: 24, horizon: 3}"), "stream");
///   Stream stream = make_csv_workload_stream(options);
Stream make_csv_workload_stream(Options& options);

}  // namespace evergreen
