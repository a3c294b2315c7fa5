// A synthetic workload (requests per step) whose every part is known: daily and weekly
// seasonality, a linear trend, Gaussian noise and labelled abnormal events. Forecasters and
// continual-learning strategies are tested against this ground truth; docs/workload-data.md
// gives the formulas.
#pragma once

#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/core/option_schema.h"
#include "evergreen/data/series.h"

namespace evergreen {

/// The kinds of abnormal event; the numbers are the per-point labels.
enum class WorkloadEventKind : int { kNone = 0, kSpike = 1, kLevelShift = 2, kPatternChange = 3 };

/// "none", "spike", "level_shift", "pattern_change".
std::string to_string(WorkloadEventKind kind);

/// Parses a comma-separated list such as "spike,level_shift" (an empty string means no kind);
/// InputError names the unknown kind.
std::vector<WorkloadEventKind> parse_workload_event_kinds(const std::string& text);

/// Parameters of the synthetic workload. Time is counted in steps; a day has `steps_per_day`.
///
/// Example:
///   auto options = WorkloadGeneratorOptions().days(14).noise_std(0).seed(7);
///   GeneratedWorkload workload = generate_workload(options);
struct WorkloadGeneratorOptions {
  TORCH_ARG(int64_t, days) = 42;
  TORCH_ARG(int64_t, steps_per_day) = 48;
  /// Level at step 0; the trend component starts here.
  TORCH_ARG(double, base_level) = 100;
  /// Half the peak-to-trough swing of the daily cosine profile.
  TORCH_ARG(double, daily_amplitude) = 20;
  /// Hour of the day (0-24) at which the daily profile peaks.
  TORCH_ARG(double, daily_peak_hour) = 14;
  /// Subtracted on Saturdays and Sundays (day 0 is a Monday).
  TORCH_ARG(double, weekly_amplitude) = 10;
  TORCH_ARG(double, trend_per_day) = 0.2;
  TORCH_ARG(double, noise_std) = 2;
  TORCH_ARG(int64_t, seed) = 0;
  /// Expected number of events per week (each step after the warm-up starts one with
  /// probability events_per_week / (7 * steps_per_day)).
  TORCH_ARG(double, events_per_week) = 1;
  /// Days at the start with no event, so the normal pattern can be learned first.
  TORCH_ARG(int64_t, warmup_days) = 7;
  /// Kinds to draw from, uniformly: any of spike, level_shift, pattern_change.
  TORCH_ARG(std::string, event_kinds) = "spike,level_shift,pattern_change";
  /// Height of a spike at its first step; it then decays as exp(-k / spike_decay_steps).
  TORCH_ARG(double, spike_amplitude) = 60;
  TORCH_ARG(double, spike_decay_steps) = 3;
  /// Size of a level shift; its sign is drawn at random (up or down with probability 1/2).
  TORCH_ARG(double, level_shift) = 12;
  /// A pattern change draws a new daily amplitude factor (relative to daily_amplitude) uniformly
  /// in [pattern_min_factor, pattern_max_factor] and a new phase shift uniformly in
  /// [-pattern_max_phase_hours, pattern_max_phase_hours].
  TORCH_ARG(double, pattern_min_factor) = 0.5;
  TORCH_ARG(double, pattern_max_factor) = 1.5;
  TORCH_ARG(double, pattern_max_phase_hours) = 4;
};

/// The generator's options as a config, `evergreen gen workload` and docs/workload-data.md
/// spell them (the key of noise_std is `noise`), with their checks; generate_workload validates
/// with it too.
///
/// Example:
///   Options config(YAML::Load("{days: 14, noise: 0}"), "stream");
///   WorkloadGeneratorOptions options = workload_generator_schema().read(config);
const OptionSchema<WorkloadGeneratorOptions>& workload_generator_schema();

/// A spike acts for ceil(kSpikeDurationInDecays * spike_decay_steps) steps and is exactly zero
/// afterwards, so that "where it acts" (and its label) is finite; exp(-5) < 0.7% of its height.
constexpr double kSpikeDurationInDecays = 5;

/// One abnormal event. It acts on steps [start, end); only the fields of its kind are used.
struct WorkloadEvent {
  WorkloadEventKind kind = WorkloadEventKind::kNone;
  int64_t start = 0;
  int64_t end = 0;               ///< exclusive; the series length for persistent events
  double amplitude = 0;          ///< spike height, or the signed level shift
  double decay_steps = 0;        ///< spike only
  double amplitude_factor = 1;   ///< pattern change only: new daily amplitude / daily_amplitude
  double phase_shift_hours = 0;  ///< pattern change only: new peak hour - daily_peak_hour
};

/// A generated workload with its true components; for every step t,
/// value[t] == daily[t] + weekly[t] + trend[t] + noise[t] + anomaly[t] (summed in that order).
///
/// Example:
///   GeneratedWorkload workload = generate_workload(WorkloadGeneratorOptions().days(7));
///   write_workload_csv(workload, "workload.csv");   // and workload.csv.events.json
struct GeneratedWorkload {
  WorkloadGeneratorOptions options;
  std::vector<double> value;
  std::vector<double> daily;   ///< the normal daily profile (pattern changes are anomalies)
  std::vector<double> weekly;  ///< the weekend dip
  std::vector<double> trend;   ///< base_level + trend_per_day * day
  std::vector<double> noise;
  std::vector<double> anomaly;  ///< sum of the effects of every event acting at t
  /// The kind of the most recently started event acting at t; 0 where none acts.
  std::vector<int> anomaly_kind;
  std::vector<WorkloadEvent> events;  ///< ordered by start

  int64_t size() const { return static_cast<int64_t>(value.size()); }
};

/// Bytes one generated step holds: the value and its six components (doubles) and its label.
constexpr double kBytesPerWorkloadPoint = 7 * sizeof(double) + sizeof(int);
/// Bytes of one step's row of text in write_workload_csv (eight numbers in shortest form).
constexpr double kCsvBytesPerWorkloadPoint = 120;

/// Throws InputError, before anything is generated, when days x steps_per_day points of
/// `bytes_per_point` each exceed the memory budget (check_allocation, with the estimate); `who`
/// starts the message.
///
/// Example:
///   check_workload_size(WorkloadGeneratorOptions().days(100000000), kBytesPerWorkloadPoint,
///                       "gen workload");  // throws: about 268 GiB
void check_workload_size(const WorkloadGeneratorOptions& options, double bytes_per_point,
                         const std::string& who);

/// Generates the workload; identical options (seed included) give identical output on every
/// platform (the random numbers come from std::mt19937_64 through our own transforms, not from
/// the standard library's implementation-defined distributions). InputError on bad options, on a
/// size beyond the memory budget, and on options whose values overflow (a step that is not a
/// finite number).
GeneratedWorkload generate_workload(const WorkloadGeneratorOptions& options);

/// Effect of `event` at step t of a workload generated with `options` (0 outside [start, end)).
/// For a pattern change, `previous` is the pattern change before it (or nullptr): the effect is
/// the new daily profile minus the one it replaces.
double workload_event_effect(const WorkloadGeneratorOptions& options, const WorkloadEvent& event,
                             const WorkloadEvent* previous, int64_t t);

/// Writes `step,value,daily,weekly,trend,noise,anomaly,anomaly_kind` to `file` and the options
/// and events as JSON to workload_events_file(file); both atomically. Numbers are written in
/// their shortest exact form, so reading them back gives the same doubles.
void write_workload_csv(const GeneratedWorkload& workload, const std::string& file);

/// `file` + ".events.json".
std::string workload_events_file(const std::string& csv_file);

/// The value column as a Series (step from steps_per_day, labels from anomaly_kind).
Series to_series(const GeneratedWorkload& workload);

}  // namespace evergreen
