// Workload streams built from a flat map of options (a config's `stream:` section): the
// synthetic generator, a CSV file or a public cloud trace, cut into periods of forecasting
// windows.
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/data/csv_series.h"
#include "evergreen/data/experience.h"
#include "evergreen/data/trace_readers.h"
#include "evergreen/data/window_stream.h"
#include "evergreen/data/workload_generator.h"

namespace evergreen {

/// Reads the window keys: periods, input_length, horizon, test_fraction, stride.
WindowStreamOptions read_window_stream_options(Options& options);

/// Reads `period_seconds`: 0 (the default) cuts the series into `periods` equal parts; a
/// duration (86400: one day) makes every period that long, and `periods` then counts periods
/// from the start (0: as many whole periods as fit).
double read_period_seconds(Options& options);

/// make_window_stream with periods of `period_seconds` (see read_period_seconds; 0: as
/// make_window_stream). The points after the last whole period are unused.
///
/// Example (one experience per day of 5-minute points):
///   Stream stream = make_workload_window_stream(series, WindowStreamOptions().periods(0), 86400);
Stream make_workload_window_stream(const Series& series, WindowStreamOptions window_options,
                                   double period_seconds);

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

/// An Alibaba cluster-trace-v2018 usage file (machine_usage.csv, container_usage.csv, or a
/// grouped CSV of cluster averages) as a stream. Keys: path (required), table, metric, id,
/// bucket_seconds, row_seconds, invalid_values, empty_buckets, period_seconds and the window
/// keys.
///
/// Example:
///   Options options(YAML::Load("{path: machine_usage.csv, id: m_1932, invalid_values: drop, "
///                              "period_seconds: 86400, periods: 0}"), "stream");
///   Stream stream = make_alibaba_trace_stream(options);   // one experience per day
Stream make_alibaba_trace_stream(Options& options);

/// The NASA HTTP requests-per-second trace (workload.tbz2 or its text) as a stream. Keys: path
/// (required), resample, max_points, period_seconds and the window keys.
///
/// Example:
///   Options options(YAML::Load("{path: workload.tbz2, resample: 60, period_seconds: 86400, "
///                              "periods: 7}"), "stream");
///   Stream stream = make_nasa_stream(options);   // the first week, per minute, one day each
Stream make_nasa_stream(Options& options);

/// Azure Functions 2019 per-minute invocations, summed over the selected functions, as a
/// stream. Keys: paths (a list of day files) or directory + pattern, owner, app, function,
/// trigger, resample, period_seconds and the window keys.
///
/// Example:
///   Options options(YAML::Load("{directory: azure, trigger: http, period_seconds: 86400, "
///                              "periods: 0}"), "stream");
///   Stream stream = make_azure_functions_stream(options);   // one experience per day file
Stream make_azure_functions_stream(Options& options);

}  // namespace evergreen
