#include "evergreen/data/workload_streams.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// Errors found while building from options (a bad value, a series too short) are prefixed with
// where the options came from, so the user knows which config section to fix.
template <typename Build>
auto with_config_location(const Options& options, Build&& build) {
  try {
    return build();
  } catch (const InputError& error) {
    if (options.file().empty() && options.path().empty()) throw;
    throw InputError(options.where("") + ": " + error.what());
  }
}

}  // namespace

WindowStreamOptions read_window_stream_options(Options& options) {
  WindowStreamOptions defaults;
  return WindowStreamOptions()
      .periods(options.get<int64_t>("periods", defaults.periods(),
                                    "consecutive equal periods: one experience each"))
      .input_length(options.get<int64_t>("input_length", defaults.input_length(),
                                         "points the forecaster sees"))
      .horizon(options.get<int64_t>("horizon", defaults.horizon(), "points it predicts"))
      .test_fraction(options.get<double>("test_fraction", defaults.test_fraction(),
                                         "share of each period, at its end, kept for testing"))
      .stride(options.get<int64_t>("stride", defaults.stride(),
                                   "steps between the starts of consecutive windows"));
}

double read_period_seconds(Options& options) {
  return options.get<double>("period_seconds", 0.0,
                             "length of a period in seconds (86400: one day); 0: `periods` equal "
                             "parts of the series");
}

Stream make_workload_window_stream(const Series& series, WindowStreamOptions window_options,
                                   double period_seconds) {
  EVERGREEN_CHECK_INPUT(std::isfinite(period_seconds) && period_seconds >= 0,
                        "window stream option 'period_seconds': expected a number >= 0 (0: "
                        "equal parts), got {}",
                        period_seconds);
  // Negative `periods` are left to make_window_stream, whose message names them.
  if (period_seconds == 0 || window_options.periods() < 0)
    return make_window_stream(series, window_options);
  const double steps = period_seconds / series.step_seconds;
  const auto period_length = static_cast<int64_t>(std::llround(steps));
  EVERGREEN_CHECK_INPUT(period_length >= 1 && std::abs(steps - static_cast<double>(period_length)) <
                                                  1e-9 * std::max(1.0, steps),
                        "window stream option 'period_seconds': {} s is not a whole number of "
                        "the series' {} s steps",
                        period_seconds, series.step_seconds);
  const int64_t whole_periods = series.size() / period_length;
  const int64_t periods = window_options.periods() == 0 ? whole_periods : window_options.periods();
  EVERGREEN_CHECK_INPUT(whole_periods >= 1,
                        "series '{}' has {} points of {} s: fewer than one period of {} s ({} "
                        "points)",
                        series.name, series.size(), series.step_seconds, period_seconds,
                        period_length);
  EVERGREEN_CHECK_INPUT(periods <= whole_periods,
                        "series '{}' has {} points of {} s: {} periods of {} s ({} points each) "
                        "need {} (periods: 0 takes the {} that fit)",
                        series.name, series.size(), series.step_seconds, periods, period_seconds,
                        period_length, periods * period_length, whole_periods);
  // Cutting the series to whole periods makes make_window_stream's equal parts exactly one
  // period long.
  Series whole = series;
  whole.values.resize(periods * period_length);
  if (!whole.anomaly_labels.empty()) whole.anomaly_labels.resize(whole.values.size());
  Stream stream = make_window_stream(whole, window_options.periods(periods));
  stream.metadata["points"] = std::to_string(series.size());
  stream.metadata["unused_points"] = std::to_string(series.size() - periods * period_length);
  stream.metadata["period_seconds"] = fmt::format("{}", period_seconds);
  return stream;
}

WorkloadGeneratorOptions read_workload_generator_options(Options& options) {
  return workload_generator_schema().read(options);
}

std::string read_csv_series_options(Options& options, CsvSeriesOptions* csv_options) {
  std::string path = options.get<std::string>("path", "", "CSV file to read (required)");
  *csv_options = csv_series_schema().read(options);
  EVERGREEN_CHECK_INPUT(!path.empty(), "{}: required: the CSV file to read the workload from",
                        options.where("path"));
  return path;
}

Stream make_synthetic_workload_stream(Options& options) {
  WorkloadGeneratorOptions generator_options = read_workload_generator_options(options);
  WindowStreamOptions window_options = read_window_stream_options(options);
  double period_seconds = read_period_seconds(options);
  return with_config_location(options, [&] {
    GeneratedWorkload workload = generate_workload(generator_options);
    Stream stream =
        make_workload_window_stream(to_series(workload), window_options, period_seconds);
    stream.metadata["source"] = "synthetic workload";
    stream.metadata["events"] = std::to_string(workload.events.size());
    return stream;
  });
}

Stream make_csv_workload_stream(Options& options) {
  CsvSeriesOptions csv_options;
  std::string path = read_csv_series_options(options, &csv_options);
  WindowStreamOptions window_options = read_window_stream_options(options);
  double period_seconds = read_period_seconds(options);
  // Errors inside the file already name the file, line and column: no prefix for those.
  Series series = read_csv_series(path, csv_options);
  return with_config_location(options, [&] {
    Stream stream = make_workload_window_stream(series, window_options, period_seconds);
    stream.metadata["source"] = path;
    return stream;
  });
}

namespace {

// The required `path`, checked after every other key was read so that listings of a stream's
// options (`evergreen run --list`) show them all.
std::string required_path(const Options& options, const std::string& path,
                          const std::string& what) {
  EVERGREEN_CHECK_INPUT(!path.empty(), "{}: required: {}", options.where("path"), what);
  return path;
}

// Builds the stream from a series read by a trace reader and records what the reader reported.
Stream make_trace_stream(const Options& options, const Series& series,
                         const WindowStreamOptions& window_options, double period_seconds,
                         const std::string& source, const TraceReadReport& report) {
  return with_config_location(options, [&] {
    Stream stream = make_workload_window_stream(series, window_options, period_seconds);
    stream.metadata["source"] = source;
    stream.metadata["source_rows"] = std::to_string(report.rows);
    stream.metadata["selected_rows"] = std::to_string(report.selected_rows);
    stream.metadata["interpolated_points"] = std::to_string(report.interpolated_points);
    return stream;
  });
}

}  // namespace

Stream make_alibaba_trace_stream(Options& options) {
  AlibabaTraceOptions d;  // defaults
  std::string path = options.get<std::string>(
      "path", "", "machine_usage.csv, container_usage.csv or a grouped CSV (required)");
  AlibabaTraceOptions trace_options;
  trace_options
      .table(options.get_choice("table", d.table(),
                                {"auto", "machine_usage", "container_usage", "grouped"},
                                "the file's format; auto tells them apart"))
      .metric(options.get<std::string>("metric", d.metric(), "metric column, by name"))
      .id(options.get<std::string>("id", d.id(),
                                   "only this machine_id or container_id; empty: all rows"))
      .bucket_seconds(options.get<int64_t>("bucket_seconds", d.bucket_seconds(),
                                           "seconds per point: mean of the readings in it"))
      .row_seconds(options.get<int64_t>("row_seconds", d.row_seconds(),
                                        "seconds between rows of a grouped file"))
      .invalid_values(options.get_choice("invalid_values", d.invalid_values(), {"error", "drop"},
                                         "readings marked invalid (-1, 101) or empty"))
      .empty_buckets(options.get_choice("empty_buckets", d.empty_buckets(),
                                        {"error", "interpolate"},
                                        "buckets without a valid reading"));
  WindowStreamOptions window_options = read_window_stream_options(options);
  double period_seconds = read_period_seconds(options);
  with_config_location(options, [&] {
    required_path(options, path, "the Alibaba usage file to read");
    check_alibaba_trace_options(trace_options);
    return 0;
  });
  TraceReadReport report;
  Series series = read_alibaba_trace(path, trace_options, &report);
  return make_trace_stream(options, series, window_options, period_seconds, path, report);
}

Stream make_nasa_stream(Options& options) {
  NasaRequestsOptions d;  // defaults
  std::string path = options.get<std::string>(
      "path", "", "workload.tbz2 (bzip2 tar) or its text: requests per second (required)");
  NasaRequestsOptions nasa_options;
  nasa_options
      .resample(options.get<int64_t>("resample", d.resample(),
                                     "seconds summed into one point (60: per minute)"))
      .max_points(options.get<int64_t>("max_points", d.max_points(),
                                       "keep the first points after resampling; 0: all"));
  WindowStreamOptions window_options = read_window_stream_options(options);
  double period_seconds = read_period_seconds(options);
  with_config_location(options, [&] {
    required_path(options, path, "the NASA requests file (workload.tbz2 or its text)");
    check_nasa_requests_options(nasa_options);
    return 0;
  });
  TraceReadReport report;
  Series series = read_nasa_requests(path, nasa_options, &report);
  return make_trace_stream(options, series, window_options, period_seconds, path, report);
}

Stream make_azure_functions_stream(Options& options) {
  AzureFunctionsOptions d;  // defaults
  auto paths = options.get<std::vector<std::string>>(
      "paths", {}, "day files in order (or give directory and pattern)");
  auto directory =
      options.get<std::string>("directory", "", "folder of day files, read in natural name order");
  auto pattern = options.get<std::string>("pattern", "invocations_per_function_md.anon.d*.csv",
                                          "day files in `directory`: * and ? wildcards");
  AzureFunctionsOptions azure_options;
  azure_options.owner(options.get<std::string>("owner", d.owner(), "HashOwner to keep; empty: all"))
      .app(options.get<std::string>("app", d.app(), "HashApp to keep; empty: all"))
      .function(
          options.get<std::string>("function", d.function(), "HashFunction to keep; empty: all"))
      .trigger(options.get<std::string>("trigger", d.trigger(),
                                        "Trigger to keep (http, timer, queue, ...); empty: all"))
      .resample(options.get<int64_t>("resample", d.resample(), "minutes summed into one point"));
  WindowStreamOptions window_options = read_window_stream_options(options);
  double period_seconds = read_period_seconds(options);
  std::vector<std::string> files = with_config_location(options, [&] {
    EVERGREEN_CHECK_INPUT(!paths.empty() || !directory.empty(),
                          "{}: required: `paths` (a list of day files) or `directory` (with "
                          "`pattern`)",
                          options.where("paths"));
    EVERGREEN_CHECK_INPUT(paths.empty() || directory.empty(),
                          "{}: give `paths` or `directory`, not both", options.where("directory"));
    check_azure_functions_options(azure_options);
    return paths.empty() ? list_trace_files(directory, pattern) : paths;
  });
  TraceReadReport report;
  Series series = read_azure_functions(files, azure_options, &report);
  std::string source = files.size() == 1 ? files.front()
                                         : fmt::format("{} .. {} ({} days)", files.front(),
                                                       files.back(), files.size());
  Stream stream =
      make_trace_stream(options, series, window_options, period_seconds, source, report);
  stream.metadata["days"] = std::to_string(files.size());
  return stream;
}

}  // namespace evergreen
