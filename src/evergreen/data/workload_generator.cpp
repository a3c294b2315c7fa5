#include "evergreen/data/workload_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"

namespace evergreen {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kHoursPerDay = 24;
constexpr int64_t kDaysPerWeek = 7;
// Streams of random numbers for events and for noise are seeded apart, so that changing the
// event rate does not change the noise (and vice versa). The constant is 2^64 / golden ratio.
constexpr uint64_t kNoiseSeedOffset = 0x9E3779B97F4A7C15ULL;

// A uniform double in (0, 1] from the top 53 bits: the same on every standard library.
double uniform_open_closed(std::mt19937_64& random) {
  return (static_cast<double>(random() >> 11) + 1.0) * 0x1.0p-53;
}

double uniform_in(std::mt19937_64& random, double low, double high) {
  return low + (high - low) * (uniform_open_closed(random) - 0x1.0p-53);
}

// Box-Muller; std::normal_distribution would differ between standard libraries.
double standard_normal(std::mt19937_64& random) {
  double radius = std::sqrt(-2.0 * std::log(uniform_open_closed(random)));
  return radius * std::cos(2.0 * kPi * uniform_open_closed(random));
}

double hour_of_day(const WorkloadGeneratorOptions& options, int64_t t) {
  return static_cast<double>(t % options.steps_per_day()) * kHoursPerDay /
         static_cast<double>(options.steps_per_day());
}

// The daily cosine profile with amplitude factor and phase shift (1 and 0 for the normal one).
double daily_profile(const WorkloadGeneratorOptions& options, int64_t t, double amplitude_factor,
                     double phase_shift_hours) {
  double hour = hour_of_day(options, t);
  return options.daily_amplitude() * amplitude_factor *
         std::cos(2.0 * kPi * (hour - options.daily_peak_hour() - phase_shift_hours) /
                  kHoursPerDay);
}

// The kinds named in the comma-separated `text`, each once, in order; `unknown` receives the
// first name that is not a kind ("" when there is none).
std::vector<WorkloadEventKind> split_event_kinds(const std::string& text, std::string* unknown) {
  std::vector<WorkloadEventKind> kinds;
  unknown->clear();
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    WorkloadEventKind kind;
    if (item == "spike") {
      kind = WorkloadEventKind::kSpike;
    } else if (item == "level_shift") {
      kind = WorkloadEventKind::kLevelShift;
    } else if (item == "pattern_change") {
      kind = WorkloadEventKind::kPatternChange;
    } else {
      *unknown = item;
      return kinds;
    }
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  return kinds;
}

std::string unknown_event_kind(const std::string& text) {
  std::string unknown;
  split_event_kinds(text, &unknown);
  return unknown;
}

constexpr const char* kEventKindList =
    "a comma-separated list of spike, level_shift, pattern_change";

std::vector<WorkloadEvent> draw_events(const WorkloadGeneratorOptions& options, int64_t size) {
  std::vector<WorkloadEvent> events;
  auto kinds = parse_workload_event_kinds(options.event_kinds());
  if (kinds.empty() || options.events_per_week() == 0) return events;
  std::mt19937_64 random(static_cast<uint64_t>(options.seed()));
  double probability =
      options.events_per_week() / static_cast<double>(kDaysPerWeek * options.steps_per_day());
  int64_t first = options.warmup_days() * options.steps_per_day();
  for (int64_t t = first; t < size; ++t) {
    if (uniform_open_closed(random) > probability) continue;
    WorkloadEvent event;
    auto pick = static_cast<size_t>(uniform_in(random, 0, static_cast<double>(kinds.size())));
    event.kind = kinds[std::min(pick, kinds.size() - 1)];
    event.start = t;
    event.end = size;
    switch (event.kind) {
      case WorkloadEventKind::kSpike:
        event.amplitude = options.spike_amplitude();
        event.decay_steps = options.spike_decay_steps();
        event.end = std::min(
            size, t + static_cast<int64_t>(std::ceil(kSpikeDurationInDecays * event.decay_steps)));
        break;
      case WorkloadEventKind::kLevelShift:
        event.amplitude =
            uniform_open_closed(random) <= 0.5 ? options.level_shift() : -options.level_shift();
        break;
      case WorkloadEventKind::kPatternChange:
        event.amplitude_factor =
            uniform_in(random, options.pattern_min_factor(), options.pattern_max_factor());
        event.phase_shift_hours = uniform_in(random, -options.pattern_max_phase_hours(),
                                             options.pattern_max_phase_hours());
        break;
      case WorkloadEventKind::kNone:
        EVERGREEN_ASSERT(false, "an event of kind none was drawn");
    }
    events.push_back(event);
  }
  return events;
}

std::string number(double value) { return fmt::format("{}", value); }

nlohmann::json options_to_json(const WorkloadGeneratorOptions& options) {
  return {{"days", options.days()},
          {"steps_per_day", options.steps_per_day()},
          {"base_level", options.base_level()},
          {"daily_amplitude", options.daily_amplitude()},
          {"daily_peak_hour", options.daily_peak_hour()},
          {"weekly_amplitude", options.weekly_amplitude()},
          {"trend_per_day", options.trend_per_day()},
          {"noise_std", options.noise_std()},
          {"seed", options.seed()},
          {"events_per_week", options.events_per_week()},
          {"warmup_days", options.warmup_days()},
          {"event_kinds", options.event_kinds()},
          {"spike_amplitude", options.spike_amplitude()},
          {"spike_decay_steps", options.spike_decay_steps()},
          {"level_shift", options.level_shift()},
          {"pattern_min_factor", options.pattern_min_factor()},
          {"pattern_max_factor", options.pattern_max_factor()},
          {"pattern_max_phase_hours", options.pattern_max_phase_hours()}};
}

nlohmann::json event_to_json(const WorkloadEvent& event) {
  nlohmann::json json = {{"kind", to_string(event.kind)},
                         {"label", static_cast<int>(event.kind)},
                         {"start", event.start},
                         {"end", event.end}};
  switch (event.kind) {
    case WorkloadEventKind::kSpike:
      json["amplitude"] = event.amplitude;
      json["decay_steps"] = event.decay_steps;
      break;
    case WorkloadEventKind::kLevelShift:
      json["amplitude"] = event.amplitude;
      break;
    case WorkloadEventKind::kPatternChange:
      json["amplitude_factor"] = event.amplitude_factor;
      json["phase_shift_hours"] = event.phase_shift_hours;
      break;
    case WorkloadEventKind::kNone:
      break;
  }
  return json;
}

}  // namespace

std::string to_string(WorkloadEventKind kind) {
  switch (kind) {
    case WorkloadEventKind::kNone:
      return "none";
    case WorkloadEventKind::kSpike:
      return "spike";
    case WorkloadEventKind::kLevelShift:
      return "level_shift";
    case WorkloadEventKind::kPatternChange:
      return "pattern_change";
  }
  EVERGREEN_ASSERT(false, "unknown event kind {}", static_cast<int>(kind));
}

std::vector<WorkloadEventKind> parse_workload_event_kinds(const std::string& text) {
  std::string unknown;
  std::vector<WorkloadEventKind> kinds = split_event_kinds(text, &unknown);
  EVERGREEN_CHECK_INPUT(unknown.empty(),
                        "workload generator option 'event_kinds': unknown kind '{}' (expected {})",
                        unknown, kEventKindList);
  return kinds;
}

// One statement per option, which clang-format would break into one line per argument.
// clang-format off
const OptionSchema<WorkloadGeneratorOptions>& workload_generator_schema() {
  static const OptionSchema<WorkloadGeneratorOptions> schema = [] {
    OptionSchema<WorkloadGeneratorOptions> s("workload generator");
    s.add("days", [](auto& o) -> auto& { return o.days(); }, "days of workload to generate")
        .min(1)
        .check([](const auto& o) {
                 return o.steps_per_day() < 1 ||
                        o.days() <= std::numeric_limits<int64_t>::max() / o.steps_per_day();
               },
               "must keep days x steps_per_day within 64 bits");
    s.add("steps_per_day", [](auto& o) -> auto& { return o.steps_per_day(); },
          "time steps per day (48: every 30 minutes)")
        .min(1);
    s.add("base_level", [](auto& o) -> auto& { return o.base_level(); },
          "level at the first step");
    s.add("daily_amplitude", [](auto& o) -> auto& { return o.daily_amplitude(); },
          "amplitude of the daily cosine profile");
    s.add("daily_peak_hour", [](auto& o) -> auto& { return o.daily_peak_hour(); },
          "hour of the daily peak (0-24)");
    s.add("weekly_amplitude", [](auto& o) -> auto& { return o.weekly_amplitude(); },
          "dip on Saturdays and Sundays (day 0 is a Monday)");
    s.add("trend_per_day", [](auto& o) -> auto& { return o.trend_per_day(); },
          "linear growth of the level per day");
    s.add("noise", [](auto& o) -> auto& { return o.noise_std(); },
          "standard deviation of the Gaussian noise")
        .min(0)
        .field_name("noise_std");
    s.add("seed", [](auto& o) -> auto& { return o.seed(); }, "random seed of events and noise");
    s.add("events_per_week", [](auto& o) -> auto& { return o.events_per_week(); },
          "expected abnormal events per week")
        .min(0)
        .check([](const auto& o) {
                 return o.events_per_week() <= kDaysPerWeek * o.steps_per_day();
               },
               [](const auto& o) {
                 return fmt::format(
                     "must be at most one event per step (<= 7 * steps_per_day = {})",
                     kDaysPerWeek * o.steps_per_day());
               });
    s.add("warmup_days", [](auto& o) -> auto& { return o.warmup_days(); },
          "days at the start without events")
        .min(0);
    s.add("event_kinds", [](auto& o) -> auto& { return o.event_kinds(); },
          "comma-separated kinds to draw from: spike, level_shift, pattern_change")
        .check([](const auto& o) { return unknown_event_kind(o.event_kinds()).empty(); },
               [](const auto& o) {
                 return fmt::format("has unknown kind '{}' (expected {})",
                                    unknown_event_kind(o.event_kinds()), kEventKindList);
               })
        .check([](const auto& o) {
                 return o.events_per_week() == 0 ||
                        !parse_workload_event_kinds(o.event_kinds()).empty();
               },
               "must name at least one kind when events_per_week > 0");
    s.add("spike_amplitude", [](auto& o) -> auto& { return o.spike_amplitude(); },
          "height of a spike at its start");
    s.add("spike_decay_steps", [](auto& o) -> auto& { return o.spike_decay_steps(); },
          "steps for a spike to decay by a factor e")
        .greater_than(0);
    s.add("level_shift", [](auto& o) -> auto& { return o.level_shift(); },
          "size of a level shift (its sign is drawn at random)");
    s.add("pattern_min_factor", [](auto& o) -> auto& { return o.pattern_min_factor(); },
          "smallest daily amplitude factor after a pattern change")
        .min(0);
    s.add("pattern_max_factor", [](auto& o) -> auto& { return o.pattern_max_factor(); },
          "largest daily amplitude factor after a pattern change")
        .check([](const auto& o) { return o.pattern_max_factor() >= o.pattern_min_factor(); },
               [](const auto& o) {
                 return fmt::format("must be >= pattern_min_factor ({})", o.pattern_min_factor());
               });
    s.add("pattern_max_phase_hours", [](auto& o) -> auto& { return o.pattern_max_phase_hours(); },
          "largest shift of the daily peak after a pattern change, in hours")
        .min(0);
    return s;
  }();
  return schema;
}
// clang-format on

double workload_event_effect(const WorkloadGeneratorOptions& options, const WorkloadEvent& event,
                             const WorkloadEvent* previous, int64_t t) {
  if (t < event.start || t >= event.end) return 0;
  switch (event.kind) {
    case WorkloadEventKind::kSpike:
      return event.amplitude * std::exp(-static_cast<double>(t - event.start) / event.decay_steps);
    case WorkloadEventKind::kLevelShift:
      return event.amplitude;
    case WorkloadEventKind::kPatternChange: {
      double before = previous ? daily_profile(options, t, previous->amplitude_factor,
                                               previous->phase_shift_hours)
                               : daily_profile(options, t, 1, 0);
      return daily_profile(options, t, event.amplitude_factor, event.phase_shift_hours) - before;
    }
    case WorkloadEventKind::kNone:
      return 0;
  }
  return 0;
}

void check_workload_size(const WorkloadGeneratorOptions& options, double bytes_per_point,
                         const std::string& who) {
  workload_generator_schema().validate(options);
  const double points =
      static_cast<double>(options.days()) * static_cast<double>(options.steps_per_day());
  check_allocation(points * bytes_per_point,
                   fmt::format("{}: days {} x steps_per_day {} = {:.3g} points", who,
                               options.days(), options.steps_per_day(), points));
}

GeneratedWorkload generate_workload(const WorkloadGeneratorOptions& options) {
  check_workload_size(options, kBytesPerWorkloadPoint, "workload generator");
  const int64_t size = options.days() * options.steps_per_day();
  GeneratedWorkload workload;
  workload.options = options;
  workload.events = draw_events(options, size);
  workload.value.resize(size);
  workload.daily.resize(size);
  workload.weekly.resize(size);
  workload.trend.resize(size);
  workload.noise.resize(size);
  workload.anomaly.assign(size, 0.0);
  workload.anomaly_kind.assign(size, 0);

  std::mt19937_64 noise_random(static_cast<uint64_t>(options.seed()) + kNoiseSeedOffset);
  for (int64_t t = 0; t < size; ++t) {
    int64_t day = t / options.steps_per_day();
    double day_fraction = static_cast<double>(t) / static_cast<double>(options.steps_per_day());
    workload.daily[t] = daily_profile(options, t, 1, 0);
    workload.weekly[t] = day % kDaysPerWeek >= 5 ? -options.weekly_amplitude() : 0.0;
    workload.trend[t] = options.base_level() + options.trend_per_day() * day_fraction;
    workload.noise[t] =
        options.noise_std() == 0 ? 0.0 : options.noise_std() * standard_normal(noise_random);
  }

  // Events are ordered by start, so the last one acting at t is the most recent: its kind is
  // the label there.
  const WorkloadEvent* previous_pattern = nullptr;
  for (const WorkloadEvent& event : workload.events) {
    for (int64_t t = event.start; t < event.end; ++t) {
      workload.anomaly[t] += workload_event_effect(options, event, previous_pattern, t);
      workload.anomaly_kind[t] = static_cast<int>(event.kind);
    }
    if (event.kind == WorkloadEventKind::kPatternChange) previous_pattern = &event;
  }

  for (int64_t t = 0; t < size; ++t) {
    workload.value[t] = workload.daily[t] + workload.weekly[t] + workload.trend[t] +
                        workload.noise[t] + workload.anomaly[t];
    // Each option is finite, but their sum (or trend_per_day x days) need not be.
    EVERGREEN_CHECK_INPUT(std::isfinite(workload.value[t]),
                          "workload generator: step {}: the value is not a finite number ({}): "
                          "base_level, daily_amplitude, weekly_amplitude, trend_per_day, noise, "
                          "spike_amplitude or level_shift is too large",
                          t, workload.value[t]);
  }
  return workload;
}

std::string workload_events_file(const std::string& csv_file) { return csv_file + ".events.json"; }

void write_workload_csv(const GeneratedWorkload& workload, const std::string& file) {
  std::string text = "step,value,daily,weekly,trend,noise,anomaly,anomaly_kind\n";
  text.reserve(static_cast<size_t>(workload.size()) * 120);
  for (int64_t t = 0; t < workload.size(); ++t) {
    text += fmt::format("{},{},{},{},{},{},{},{}\n", t, number(workload.value[t]),
                        number(workload.daily[t]), number(workload.weekly[t]),
                        number(workload.trend[t]), number(workload.noise[t]),
                        number(workload.anomaly[t]), workload.anomaly_kind[t]);
  }
  nlohmann::json sidecar = {
      {"generator", "workload"},
      {"csv", std::filesystem::path(file).filename().string()},
      {"points", workload.size()},
      {"step_seconds", 86400.0 / static_cast<double>(workload.options.steps_per_day())},
      {"options", options_to_json(workload.options)},
      {"events", nlohmann::json::array()}};
  for (const WorkloadEvent& event : workload.events)
    sidecar["events"].push_back(event_to_json(event));
  write_file_atomically(file, text);
  write_file_atomically(workload_events_file(file), sidecar.dump(2) + "\n");
}

Series to_series(const GeneratedWorkload& workload) {
  Series series;
  series.name = fmt::format("synthetic workload (seed {})", workload.options.seed());
  series.values = workload.value;
  series.step_seconds = 86400.0 / static_cast<double>(workload.options.steps_per_day());
  series.anomaly_labels = workload.anomaly_kind;
  return series;
}

}  // namespace evergreen
