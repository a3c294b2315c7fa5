// Reads one column of a delimited text file (CSV, TSV, whitespace-separated) as a Series, with
// errors that point at the file, line and column of the offending text.
#pragma once

#include <torch/arg.h>

#include <string>
#include <vector>

#include "evergreen/core/option_schema.h"
#include "evergreen/data/series.h"

namespace evergreen {

/// How to read a series from a text file; csv_series_schema() holds the choices and checks,
/// which read_csv_series applies (InputError naming the option).
///
/// Example (Alibaba cluster-trace-v2018 machine usage, one row per 300 s, hourly means):
///   auto options = CsvSeriesOptions().column("cpu_util_percent").step_seconds(300).resample(12)
///                      .invalid_values("drop").sentinels({-1, 101});
///   Series cpu = read_csv_series("machine_usage_300s.csv", options);
struct CsvSeriesOptions {
  /// A header name, or a 0-based field index (a header name that looks like an index wins).
  TORCH_ARG(std::string, column) = "0";
  /// "auto": the first row is a header when its field in the chosen column is not a number (or
  /// when `column` is a name); "true"; "false".
  TORCH_ARG(std::string, header) = "auto";
  /// Field separator; ' ' means any run of spaces and tabs. Fields are trimmed and one pair of
  /// surrounding double quotes is removed; quoted delimiters are not supported.
  TORCH_ARG(char, delimiter) = ',';
  /// "columns": one row per time step; "flat": every field of every line is the next value in
  /// time (e.g. the NASA trace: one line of space-separated counts), header and column unused.
  TORCH_ARG(std::string, layout) = "columns";
  /// Aggregate every `resample` consecutive values into one; a trailing partial group is
  /// dropped so that every point covers the same time.
  TORCH_ARG(int64_t, resample) = 1;
  /// "mean" (utilisation) or "sum" (counts).
  TORCH_ARG(std::string, aggregate) = "mean";
  /// Seconds between two rows of the file (the series' step is step_seconds * resample).
  TORCH_ARG(double, step_seconds) = 60;
  /// What to do with a value listed in `sentinels` or not finite (nan, inf): "error" (report
  /// file:line:column) or "drop" (skip the row and count it in Series::dropped_points; the rows
  /// after it move up in time). Text that is not a number is always an error.
  TORCH_ARG(std::string, invalid_values) = "error";
  /// Values that mean "missing" in the source, e.g. {-1, 101} in the Alibaba trace.
  TORCH_ARG(std::vector<double>, sentinels) = {};
  /// Optional column of integer anomaly labels (name or index) read into
  /// Series::anomaly_labels; a resampled point takes the largest label of its group.
  TORCH_ARG(std::string, label_column) = "";
};

/// The options as a config (`stream.name: csv_workload`) and docs/workload-data.md spell them:
/// keys, help, defaults, choices and checks.
const OptionSchema<CsvSeriesOptions>& csv_series_schema();

/// Throws InputError naming the first option with a value out of its choices or range.
void check_csv_series_options(const CsvSeriesOptions& options);

/// Reads the series; InputError (one line: file, line, column, what was expected) on a missing
/// file, text or a non-finite value where a number is expected, a row too short for the column
/// (ragged), an unknown column name (the header's names are listed), or an empty result.
/// The series is named "BASENAME:COLUMN".
Series read_csv_series(const std::string& file, const CsvSeriesOptions& options);

}  // namespace evergreen
