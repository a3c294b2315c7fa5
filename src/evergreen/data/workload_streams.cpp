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

char parse_delimiter(const Options& options, const std::string& text) {
  if (text == "tab" || text == "\t") return '\t';
  if (text == "space" || text == "whitespace" || text == " ") return ' ';
  EVERGREEN_CHECK_INPUT(text.size() == 1,
                        "{}: expected one character, 'tab' or 'whitespace', got '{}'",
                        options.where("delimiter"), text);
  return text[0];
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
  WorkloadGeneratorOptions d;  // defaults
  WorkloadGeneratorOptions result;
  result.days(options.get<int64_t>("days", d.days(), "days of workload to generate"))
      .steps_per_day(options.get<int64_t>("steps_per_day", d.steps_per_day(),
                                          "time steps per day (48: every 30 minutes)"))
      .base_level(options.get<double>("base_level", d.base_level(), "level at the first step"))
      .daily_amplitude(options.get<double>("daily_amplitude", d.daily_amplitude(),
                                           "amplitude of the daily cosine profile"))
      .daily_peak_hour(options.get<double>("daily_peak_hour", d.daily_peak_hour(),
                                           "hour of the daily peak (0-24)"))
      .weekly_amplitude(options.get<double>("weekly_amplitude", d.weekly_amplitude(),
                                            "dip on Saturdays and Sundays"))
      .trend_per_day(options.get<double>("trend_per_day", d.trend_per_day(),
                                         "linear growth of the level per day"))
      .noise_std(
          options.get<double>("noise", d.noise_std(), "standard deviation of the Gaussian noise"))
      .seed(options.get<int64_t>("seed", d.seed(), "random seed of events and noise"))
      .events_per_week(options.get<double>("events_per_week", d.events_per_week(),
                                           "expected abnormal events per week"))
      .warmup_days(
          options.get<int64_t>("warmup_days", d.warmup_days(), "days at the start without events"))
      .event_kinds(options.get<std::string>(
          "event_kinds", d.event_kinds(),
          "comma-separated kinds to draw: spike, level_shift, pattern_change"))
      .spike_amplitude(options.get<double>("spike_amplitude", d.spike_amplitude(),
                                           "height of a spike at its start"))
      .spike_decay_steps(options.get<double>("spike_decay_steps", d.spike_decay_steps(),
                                             "steps for a spike to decay by a factor e"))
      .level_shift(options.get<double>("level_shift", d.level_shift(),
                                       "size of a level shift (sign drawn at random)"))
      .pattern_min_factor(options.get<double>("pattern_min_factor", d.pattern_min_factor(),
                                              "smallest daily amplitude factor after a pattern "
                                              "change"))
      .pattern_max_factor(options.get<double>("pattern_max_factor", d.pattern_max_factor(),
                                              "largest daily amplitude factor after a pattern "
                                              "change"))
      .pattern_max_phase_hours(
          options.get<double>("pattern_max_phase_hours", d.pattern_max_phase_hours(),
                              "largest shift of the daily peak after a pattern change, in hours"));
  return result;
}

std::string read_csv_series_options(Options& options, CsvSeriesOptions* csv_options) {
  CsvSeriesOptions d;  // defaults
  std::string path = options.get<std::string>("path", "", "CSV file to read (required)");
  EVERGREEN_CHECK_INPUT(!path.empty(), "{}: required: the CSV file to read the workload from",
                        options.where("path"));
  std::string delimiter =
      options.get<std::string>("delimiter", std::string(1, d.delimiter()),
                               "field separator: one character, tab or whitespace");
  csv_options
      ->column(options.get<std::string>("column", d.column(),
                                        "column to read: header name or 0-based index"))
      .header(options.get<std::string>("header", d.header(),
                                       "first row is a header: auto, "
                                       "true or false"))
      .delimiter(parse_delimiter(options, delimiter))
      .layout(options.get<std::string>("layout", d.layout(),
                                       "columns (one row per step) or flat (every field is the "
                                       "next value)"))
      .resample(options.get<int64_t>("resample", d.resample(),
                                     "aggregate this many consecutive rows into one point"))
      .aggregate(options.get<std::string>("aggregate", d.aggregate(),
                                          "how rows are aggregated: mean or sum"))
      .step_seconds(options.get<double>("step_seconds", d.step_seconds(),
                                        "seconds between two rows of the file"))
      .invalid_values(options.get<std::string>("invalid_values", d.invalid_values(),
                                               "sentinel or non-finite values: error or drop"))
      .sentinels(options.get<std::vector<double>>("sentinels", d.sentinels(),
                                                  "values that mean 'missing' (e.g. [-1, 101])"))
      .label_column(options.get<std::string>("label_column", d.label_column(),
                                             "optional column of integer anomaly labels"));
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
  with_config_location(options, [&] {
    check_csv_series_options(csv_options);
    return 0;
  });
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
      .table(options.get<std::string>("table", d.table(),
                                      "auto, machine_usage, container_usage or grouped"))
      .metric(options.get<std::string>("metric", d.metric(), "metric column, by name"))
      .id(options.get<std::string>("id", d.id(),
                                   "only this machine_id or container_id; empty: all rows"))
      .bucket_seconds(options.get<int64_t>("bucket_seconds", d.bucket_seconds(),
                                           "seconds per point: mean of the readings in it"))
      .row_seconds(options.get<int64_t>("row_seconds", d.row_seconds(),
                                        "seconds between rows of a grouped file"))
      .invalid_values(options.get<std::string>("invalid_values", d.invalid_values(),
                                               "readings marked invalid (-1, 101) or empty: "
                                               "error or drop"))
      .empty_buckets(options.get<std::string>("empty_buckets", d.empty_buckets(),
                                              "buckets without a valid reading: error or "
                                              "interpolate"));
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
