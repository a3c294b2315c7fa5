#include "evergreen/data/workload_streams.h"

#include <fmt/format.h>

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
  return with_config_location(options, [&] {
    GeneratedWorkload workload = generate_workload(generator_options);
    Stream stream = make_window_stream(to_series(workload), window_options);
    stream.metadata["source"] = "synthetic workload";
    stream.metadata["events"] = std::to_string(workload.events.size());
    return stream;
  });
}

Stream make_csv_workload_stream(Options& options) {
  CsvSeriesOptions csv_options;
  std::string path = read_csv_series_options(options, &csv_options);
  WindowStreamOptions window_options = read_window_stream_options(options);
  with_config_location(options, [&] {
    check_csv_series_options(csv_options);
    return 0;
  });
  // Errors inside the file already name the file, line and column: no prefix for those.
  Series series = read_csv_series(path, csv_options);
  return with_config_location(options, [&] {
    Stream stream = make_window_stream(series, window_options);
    stream.metadata["source"] = path;
    return stream;
  });
}

}  // namespace evergreen
