// `evergreen gen <generator>`: synthetic data with known ground truth, written to files.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/data/workload_generator.h"

namespace evergreen::cli {
namespace {

void add_gen_workload_command(CLI::App& gen) {
  CLI::App* command = gen.add_subcommand(
      "workload",
      "a workload (requests per step) with daily and weekly seasonality, trend, noise and "
      "labelled events (spikes, level shifts, pattern changes), written as CSV with every true "
      "component, plus FILE.events.json with the options and events");
  // The options must outlive parsing: the callback owns them.
  auto options = std::make_shared<WorkloadGeneratorOptions>();
  auto out = std::make_shared<std::string>();
  command->add_option("--out", *out, "CSV file to write")->required();
  command->add_option("--days", options->days(), "days of workload")->capture_default_str();
  command
      ->add_option("--steps-per-day", options->steps_per_day(),
                   "time steps per day (48: every 30 minutes)")
      ->capture_default_str();
  command->add_option("--seed", options->seed(), "random seed of events and noise")
      ->capture_default_str();
  command->add_option("--base-level", options->base_level(), "level at the first step")
      ->capture_default_str();
  command
      ->add_option("--daily-amplitude", options->daily_amplitude(),
                   "amplitude of the daily cosine profile")
      ->capture_default_str();
  command
      ->add_option("--daily-peak-hour", options->daily_peak_hour(), "hour of the daily peak (0-24)")
      ->capture_default_str();
  command
      ->add_option("--weekly-amplitude", options->weekly_amplitude(),
                   "dip on Saturdays and Sundays (day 0 is a Monday)")
      ->capture_default_str();
  command
      ->add_option("--trend-per-day", options->trend_per_day(),
                   "linear growth of the level per day")
      ->capture_default_str();
  command->add_option("--noise", options->noise_std(), "standard deviation of the Gaussian noise")
      ->capture_default_str();
  command
      ->add_option("--events-per-week", options->events_per_week(),
                   "expected abnormal events per week")
      ->capture_default_str();
  command->add_option("--warmup-days", options->warmup_days(), "days at the start without events")
      ->capture_default_str();
  command
      ->add_option("--event-kinds", options->event_kinds(),
                   "comma-separated kinds to draw from: spike, level_shift, pattern_change")
      ->capture_default_str();
  command
      ->add_option("--spike-amplitude", options->spike_amplitude(),
                   "height of a spike at its start")
      ->capture_default_str();
  command
      ->add_option("--spike-decay-steps", options->spike_decay_steps(),
                   "steps for a spike to decay by a factor e")
      ->capture_default_str();
  command
      ->add_option("--level-shift", options->level_shift(),
                   "size of a level shift (its sign is drawn at random)")
      ->capture_default_str();
  command
      ->add_option("--pattern-min-factor", options->pattern_min_factor(),
                   "smallest daily amplitude factor after a pattern change")
      ->capture_default_str();
  command
      ->add_option("--pattern-max-factor", options->pattern_max_factor(),
                   "largest daily amplitude factor after a pattern change")
      ->capture_default_str();
  command
      ->add_option("--pattern-max-phase-hours", options->pattern_max_phase_hours(),
                   "largest shift of the daily peak after a pattern change, in hours")
      ->capture_default_str();

  command->callback([options, out] {
    GeneratedWorkload workload = generate_workload(*options);
    auto parent = std::filesystem::path(*out).parent_path();
    if (!parent.empty()) ensure_writable_directory(parent.string());
    write_workload_csv(workload, *out);

    std::map<WorkloadEventKind, int> counts;
    for (const WorkloadEvent& event : workload.events) ++counts[event.kind];
    std::vector<std::string> parts;
    for (const auto& [kind, count] : counts)
      parts.push_back(fmt::format("{} {}", count, to_string(kind)));
    auto [low, high] = std::minmax_element(workload.value.begin(), workload.value.end());
    std::cout << fmt::format(
                     "wrote {}: {} points ({} days x {} steps), {} events{}, values in [{:.4g}, "
                     "{:.4g}]; options and events in {}",
                     *out, workload.size(), options->days(), options->steps_per_day(),
                     workload.events.size(),
                     parts.empty() ? "" : fmt::format(" ({})", fmt::join(parts, ", ")), *low, *high,
                     workload_events_file(*out))
              << std::endl;
  });
}

}  // namespace

void add_gen_command(CLI::App& app) {
  CLI::App* gen = app.add_subcommand("gen", "Generate synthetic data with known ground truth");
  gen->require_subcommand(1);
  add_gen_workload_command(*gen);
}

}  // namespace evergreen::cli
