#include "evergreen/data/workload_generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/csv_series.h"
#include "test_support.h"

namespace evergreen {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The daily profile written out independently of the generator: A f cos(2 pi (h - peak - shift) /
// 24).
double expected_profile(const WorkloadGeneratorOptions& options, int64_t t, double factor = 1,
                        double shift_hours = 0) {
  double hour = static_cast<double>(t % options.steps_per_day()) * 24.0 /
                static_cast<double>(options.steps_per_day());
  return options.daily_amplitude() * factor *
         std::cos(2 * kPi * (hour - options.daily_peak_hour() - shift_hours) / 24.0);
}

int count_kind(const GeneratedWorkload& workload, WorkloadEventKind kind) {
  int count = 0;
  for (const auto& event : workload.events) count += event.kind == kind;
  return count;
}

TEST(WorkloadGenerator, ValueIsExactlyTheSumOfItsComponents) {
  GeneratedWorkload workload = generate_workload(WorkloadGeneratorOptions().events_per_week(3));
  ASSERT_EQ(workload.size(), 42 * 48);
  ASSERT_FALSE(workload.events.empty());
  for (int64_t t = 0; t < workload.size(); ++t) {
    double sum = workload.daily[t] + workload.weekly[t] + workload.trend[t] + workload.noise[t] +
                 workload.anomaly[t];
    ASSERT_EQ(workload.value[t], sum) << "step " << t;
    // The defaults keep the workload well above zero (no clamping needed).
    ASSERT_GT(workload.value[t], 0) << "step " << t;
  }
}

TEST(WorkloadGenerator, SameSeedGivesIdenticalOutputAndAnotherSeedDoesNot) {
  auto options = WorkloadGeneratorOptions().seed(11).events_per_week(2);
  GeneratedWorkload first = generate_workload(options);
  GeneratedWorkload second = generate_workload(options);
  EXPECT_EQ(first.value, second.value);
  EXPECT_EQ(first.anomaly_kind, second.anomaly_kind);
  ASSERT_EQ(first.events.size(), second.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(first.events[i].start, second.events[i].start);
    EXPECT_EQ(first.events[i].amplitude, second.events[i].amplitude);
  }
  GeneratedWorkload other = generate_workload(options.seed(12));
  EXPECT_NE(first.noise, other.noise);
  EXPECT_NE(first.value, other.value);
}

TEST(WorkloadGenerator, NoiseFreeSeriesGivesBackTheTrueDailyProfile) {
  auto options = WorkloadGeneratorOptions().noise_std(0).events_per_week(2).seed(3);
  GeneratedWorkload workload = generate_workload(options);
  ASSERT_FALSE(workload.events.empty());
  const int64_t steps = options.steps_per_day();
  std::vector<double> sum(steps, 0.0);
  std::vector<int> count(steps, 0);
  for (int64_t t = 0; t < workload.size(); ++t) {
    sum[t % steps] +=
        workload.value[t] - workload.trend[t] - workload.weekly[t] - workload.anomaly[t];
    ++count[t % steps];
  }
  for (int64_t step = 0; step < steps; ++step) {
    EXPECT_NEAR(sum[step] / count[step], expected_profile(options, step), 1e-9) << step;
  }
  // Step 28 of 48 is 14:00, the peak.
  EXPECT_NEAR(workload.daily[28], options.daily_amplitude(), 1e-12);
}

TEST(WorkloadGenerator, NoisySeriesAveragesToTheDailyProfileWithinTheNoise) {
  auto options = WorkloadGeneratorOptions().noise_std(2).seed(5);
  GeneratedWorkload workload = generate_workload(options);
  const int64_t steps = options.steps_per_day();
  std::vector<double> sum(steps, 0.0);
  double noise_sum = 0, noise_squares = 0;
  for (int64_t t = 0; t < workload.size(); ++t) {
    sum[t % steps] +=
        workload.value[t] - workload.trend[t] - workload.weekly[t] - workload.anomaly[t];
    noise_sum += workload.noise[t];
    noise_squares += workload.noise[t] * workload.noise[t];
  }
  // A mean of 42 draws with std 2 lies within 5 standard errors (5 * 2 / sqrt(42) = 1.54).
  for (int64_t step = 0; step < steps; ++step)
    EXPECT_NEAR(sum[step] / options.days(), expected_profile(options, step), 1.55) << step;
  double n = static_cast<double>(workload.size());
  EXPECT_NEAR(noise_sum / n, 0.0, 5 * 2 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(noise_squares / n), 2.0, 0.15);
}

TEST(WorkloadGenerator, TrendAndWeekendDipFollowTheirFormulas) {
  auto options = WorkloadGeneratorOptions().steps_per_day(4).days(14).trend_per_day(0.5);
  GeneratedWorkload workload = generate_workload(options);
  EXPECT_DOUBLE_EQ(workload.trend[0], 100);
  EXPECT_DOUBLE_EQ(workload.trend[6], 100 + 0.5 * 1.5);  // day 1.5
  for (int64_t t = 0; t < workload.size(); ++t) {
    int64_t weekday = (t / 4) % 7;
    EXPECT_EQ(workload.weekly[t], weekday >= 5 ? -10.0 : 0.0) << t;
  }
}

// Independent expected anomaly: the sum of each event's effect written from its definition.
TEST(WorkloadGenerator, EventsAreLabelledExactlyWhereTheyAct) {
  auto options = WorkloadGeneratorOptions().events_per_week(4).seed(21).noise_std(0);
  GeneratedWorkload workload = generate_workload(options);
  ASSERT_GT(count_kind(workload, WorkloadEventKind::kSpike), 0);
  ASSERT_GT(count_kind(workload, WorkloadEventKind::kLevelShift), 0);
  ASSERT_GT(count_kind(workload, WorkloadEventKind::kPatternChange), 1);
  const int64_t size = workload.size();
  std::vector<double> expected(size, 0.0);
  std::vector<double> other(size, 0.0);  // spikes and level shifts only
  std::vector<int> expected_kind(size, 0);
  double factor = 1, shift = 0;  // the daily pattern in force before each pattern change
  for (size_t i = 0; i < workload.events.size(); ++i) {
    const WorkloadEvent& event = workload.events[i];
    if (i > 0) {
      EXPECT_GT(event.start, workload.events[i - 1].start);
    }
    EXPECT_GE(event.start, options.warmup_days() * options.steps_per_day());
    int64_t end = size;
    if (event.kind == WorkloadEventKind::kSpike) {
      end = std::min<int64_t>(size, event.start + static_cast<int64_t>(std::ceil(5 * 3.0)));
    }
    EXPECT_EQ(event.end, end);
    for (int64_t t = event.start; t < end; ++t) {
      expected_kind[t] = static_cast<int>(event.kind);
      switch (event.kind) {
        case WorkloadEventKind::kSpike:
          expected[t] += 60 * std::exp(-(t - event.start) / 3.0);
          other[t] += 60 * std::exp(-(t - event.start) / 3.0);
          break;
        case WorkloadEventKind::kLevelShift:
          EXPECT_EQ(std::abs(event.amplitude), 12);
          expected[t] += event.amplitude;
          other[t] += event.amplitude;
          break;
        case WorkloadEventKind::kPatternChange:
          expected[t] +=
              expected_profile(options, t, event.amplitude_factor, event.phase_shift_hours) -
              expected_profile(options, t, factor, shift);
          break;
        default:
          FAIL();
      }
    }
    if (event.kind == WorkloadEventKind::kPatternChange) {
      EXPECT_GE(event.amplitude_factor, 0.5);
      EXPECT_LE(event.amplitude_factor, 1.5);
      EXPECT_LE(std::abs(event.phase_shift_hours), 4);
      factor = event.amplitude_factor;
      shift = event.phase_shift_hours;
    }
  }
  for (int64_t t = 0; t < size; ++t) {
    ASSERT_NEAR(workload.anomaly[t], expected[t], 1e-9) << t;
    ASSERT_EQ(workload.anomaly_kind[t], expected_kind[t]) << t;
    if (expected_kind[t] == 0) {
      ASSERT_EQ(workload.anomaly[t], 0.0) << t;
    }
  }
  // After the last pattern change the noise-free workload, less trend, weekend dip, spikes and
  // level shifts, is exactly the new daily profile.
  for (int64_t t = size - 48; t < size; ++t) {
    EXPECT_NEAR(workload.value[t] - workload.trend[t] - workload.weekly[t] - other[t],
                expected_profile(options, t, factor, shift), 1e-9)
        << t;
  }
}

TEST(WorkloadGenerator, SpikeDecaysByOneOverEInOneDecayTime) {
  auto options = WorkloadGeneratorOptions()
                     .event_kinds("spike")
                     .spike_decay_steps(4)
                     .spike_amplitude(50)
                     .events_per_week(1)
                     .noise_std(0)
                     .seed(2);
  GeneratedWorkload workload = generate_workload(options);
  int checked = 0;
  for (size_t i = 0; i < workload.events.size(); ++i) {
    const WorkloadEvent& spike = workload.events[i];
    ASSERT_EQ(spike.kind, WorkloadEventKind::kSpike);
    EXPECT_EQ(spike.end - spike.start, 20);  // ceil(5 * 4)
    bool alone = (i == 0 || workload.events[i - 1].end <= spike.start) &&
                 (i + 1 == workload.events.size() || workload.events[i + 1].start >= spike.end);
    if (!alone || spike.end >= workload.size()) continue;
    const int64_t s = spike.start;
    EXPECT_DOUBLE_EQ(workload.anomaly[s], 50);
    EXPECT_NEAR(workload.anomaly[s + 4] / workload.anomaly[s], std::exp(-1.0), 1e-12);
    EXPECT_NEAR(workload.anomaly[s + 8] / workload.anomaly[s + 4], std::exp(-1.0), 1e-12);
    EXPECT_EQ(workload.anomaly[spike.end], 0.0);
    EXPECT_EQ(workload.anomaly_kind[spike.end - 1], 1);
    EXPECT_EQ(workload.anomaly_kind[spike.end], 0);
    EXPECT_EQ(workload.anomaly_kind[s - 1], 0);
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(WorkloadGenerator, LevelShiftsPersistFromTheirStart) {
  auto options = WorkloadGeneratorOptions().event_kinds("level_shift").events_per_week(0.5).seed(9);
  GeneratedWorkload workload = generate_workload(options);
  ASSERT_GE(workload.events.size(), 1u);
  double level = 0;
  size_t next = 0;
  for (int64_t t = 0; t < workload.size(); ++t) {
    while (next < workload.events.size() && workload.events[next].start == t)
      level += workload.events[next++].amplitude;
    ASSERT_DOUBLE_EQ(workload.anomaly[t], level) << t;
    ASSERT_EQ(workload.anomaly_kind[t], t >= workload.events.front().start ? 2 : 0) << t;
  }
}

TEST(WorkloadGenerator, EventRateMatchesEventsPerWeek) {
  // 100 weeks after a one-week warm-up, 2 events per week: about 198 (binomial sd about 14).
  auto options = WorkloadGeneratorOptions().days(707).events_per_week(2).seed(4);
  GeneratedWorkload workload = generate_workload(options);
  EXPECT_NEAR(static_cast<double>(workload.events.size()), 200.0, 5 * 14.1);
  EXPECT_TRUE(generate_workload(options.events_per_week(0)).events.empty());
}

TEST(WorkloadGenerator, BadOptionsNameTheField) {
  auto message = [](const WorkloadGeneratorOptions& options) {
    try {
      generate_workload(options);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(WorkloadGeneratorOptions().days(0)).find("'days'"), std::string::npos);
  EXPECT_NE(message(WorkloadGeneratorOptions().noise_std(-1)).find("'noise_std'"),
            std::string::npos);
  EXPECT_NE(message(WorkloadGeneratorOptions().spike_decay_steps(0)).find("'spike_decay_steps'"),
            std::string::npos);
  EXPECT_NE(message(WorkloadGeneratorOptions().event_kinds("spike,tsunami")).find("'tsunami'"),
            std::string::npos);
  EXPECT_NE(message(WorkloadGeneratorOptions().pattern_min_factor(2)).find("pattern_max_factor"),
            std::string::npos);
}

TEST(WorkloadGenerator, CsvAndEventsFileRoundTripExactly) {
  evergreen::testing::TemporaryDirectory directory;
  auto options = WorkloadGeneratorOptions().days(14).events_per_week(3).seed(8);
  GeneratedWorkload workload = generate_workload(options);
  std::string file = directory.file("workload.csv");
  write_workload_csv(workload, file);
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));

  std::string text = evergreen::testing::read_text(file);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "step,value,daily,weekly,trend,noise,anomaly,anomaly_kind");
  auto column = [&](const std::string& name) {
    return read_csv_series(file, CsvSeriesOptions().column(name)).values;
  };
  EXPECT_EQ(column("value"), workload.value);
  EXPECT_EQ(column("daily"), workload.daily);
  EXPECT_EQ(column("noise"), workload.noise);
  EXPECT_EQ(column("anomaly"), workload.anomaly);
  Series labelled =
      read_csv_series(file, CsvSeriesOptions().column("value").label_column("anomaly_kind"));
  EXPECT_EQ(labelled.anomaly_labels, workload.anomaly_kind);

  auto events = nlohmann::json::parse(evergreen::testing::read_text(workload_events_file(file)));
  EXPECT_EQ(events["points"], 14 * 48);
  EXPECT_EQ(events["options"]["seed"], 8);
  EXPECT_EQ(events["options"]["days"], 14);
  ASSERT_EQ(events["events"].size(), workload.events.size());
  for (size_t i = 0; i < workload.events.size(); ++i) {
    EXPECT_EQ(events["events"][i]["kind"], to_string(workload.events[i].kind));
    EXPECT_EQ(events["events"][i]["start"], workload.events[i].start);
    EXPECT_EQ(events["events"][i]["end"], workload.events[i].end);
  }
}

TEST(WorkloadGenerator, ToSeriesKeepsValuesStepAndLabels) {
  GeneratedWorkload workload = generate_workload(WorkloadGeneratorOptions().days(7).seed(1));
  Series series = to_series(workload);
  EXPECT_EQ(series.values, workload.value);
  EXPECT_EQ(series.anomaly_labels, workload.anomaly_kind);
  EXPECT_DOUBLE_EQ(series.step_seconds, 1800);
  EXPECT_NE(series.name.find("seed 1"), std::string::npos);
}

TEST(GenWorkloadCommand, WritesTheFilesAndSummarises) {
  evergreen::testing::TemporaryDirectory directory;
  std::string file = directory.file("out/w.csv");
  auto result = evergreen::testing::run_cli("gen workload --out " + file +
                                            " --days 14 --seed 3 --events-per-week 2 --noise 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("672 points"), std::string::npos) << result.output;
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_TRUE(std::filesystem::exists(file + ".events.json"));
  // The file holds exactly what the library generates for the same options.
  GeneratedWorkload expected = generate_workload(
      WorkloadGeneratorOptions().days(14).seed(3).events_per_week(2).noise_std(1));
  EXPECT_EQ(read_csv_series(file, CsvSeriesOptions().column("value")).values, expected.value);

  auto bad = evergreen::testing::run_cli("gen workload --out " + file + " --days 0");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("'days'"), std::string::npos) << bad.output;
}

// `gen workload --days 100000000` ran unbounded: the size is refused before generating.
TEST(WorkloadGenerator, SizesBeyondTheMemoryBudgetAreRefusedWithTheEstimate) {
  set_memory_budget_bytes(double{1 << 30});
  std::string message = evergreen::testing::input_error_of(
      [] { generate_workload(WorkloadGeneratorOptions().days(100000000)); });
  EXPECT_NE(message.find("workload generator: days 100000000 x steps_per_day 48 = 4.8e+09 "
                         "points: would allocate about 268 GiB"),
            std::string::npos)
      << message;
  // days x steps_per_day beyond 64 bits is refused by the option's check.
  message = evergreen::testing::input_error_of([] {
    generate_workload(WorkloadGeneratorOptions().days(int64_t{1} << 60).steps_per_day(1024));
  });
  EXPECT_NE(message.find("option 'days': must keep days x steps_per_day within 64 bits"),
            std::string::npos)
      << message;
  set_memory_budget_bytes(0);
}

TEST(WorkloadGenerator, OptionsWhoseSumOverflowsAreRefused) {
  std::string message = evergreen::testing::input_error_of([] {
    generate_workload(
        WorkloadGeneratorOptions().days(7).base_level(1.5e308).daily_amplitude(1e308));
  });
  EXPECT_NE(message.find("workload generator: step "), std::string::npos) << message;
  EXPECT_NE(message.find("is not a finite number"), std::string::npos) << message;
  EXPECT_NE(message.find("base_level, daily_amplitude"), std::string::npos) << message;
}

TEST(GenWorkloadCommand, RefusesAnUnboundedSizeBeforeGenerating) {
  evergreen::testing::TemporaryDirectory directory;
  std::string file = directory.file("w.csv");
  setenv("EVERGREEN_MEMORY_BUDGET_GB", "1", 1);  // the same refusal on any machine
  auto result = evergreen::testing::run_cli("gen workload --out " + file + " --days 100000000");
  unsetenv("EVERGREEN_MEMORY_BUDGET_GB");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("gen workload: days 100000000 x steps_per_day 48"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("more than the memory budget"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace evergreen
