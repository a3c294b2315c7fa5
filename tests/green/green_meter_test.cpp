#include "evergreen/green/green_meter.h"

#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::read_text;
using testing::TemporaryDirectory;
using testing::write_text;

// Spins until this thread has used `seconds` of CPU (capped at 5 s of wall time), so the test
// gets CPU time even on a machine shared with other builds.
void busy_cpu(double seconds) {
  auto thread_cpu = [] {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
  };
  double begin = thread_cpu();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  volatile double sink = 0;
  while (thread_cpu() - begin < seconds && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1000; ++i) sink = sink + i * 0.5;
  }
}

GreenOptions estimate_options() {
  GreenOptions options;
  options.use_rapl = false;
  options.cpu_watts_per_core = 10;
  options.ram_watts_per_gb = 0.375;
  options.pue = 1.5;
  options.grid_intensity_g_per_kwh = 400;
  return options;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

TEST(GreenOptionsTest, DefaultsAreReadAndWrittenBack) {
  Options options(YAML::Node(), "green", "run.yaml");
  GreenOptions green = read_green_options(options);
  EXPECT_DOUBLE_EQ(green.grid_intensity_g_per_kwh, 475);
  EXPECT_DOUBLE_EQ(green.pue, 1.0);
  EXPECT_DOUBLE_EQ(green.cpu_watts_per_core, 85.0 * 0.5 / 4);
  EXPECT_DOUBLE_EQ(green.ram_watts_per_gb, 3.0 / 8);
  EXPECT_TRUE(green.use_rapl);
  EXPECT_DOUBLE_EQ(options.node()["pue"].as<double>(), 1.0);
  EXPECT_NO_THROW(options.check_all_read());
}

TEST(GreenOptionsTest, GivenValuesAreRead) {
  Options options(YAML::Load("{grid_intensity: 56, pue: 1.58, cpu_watts_per_core: 12, "
                             "ram_watts_per_gb: 0.5, use_rapl: false}"),
                  "green", "run.yaml");
  GreenOptions green = read_green_options(options);
  EXPECT_DOUBLE_EQ(green.grid_intensity_g_per_kwh, 56);
  EXPECT_DOUBLE_EQ(green.pue, 1.58);
  EXPECT_DOUBLE_EQ(green.cpu_watts_per_core, 12);
  EXPECT_DOUBLE_EQ(green.ram_watts_per_gb, 0.5);
  EXPECT_FALSE(green.use_rapl);
}

TEST(GreenOptionsTest, BadValuesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{grid_intensity: -1}", "green.grid_intensity"},
      {"{pue: 0.9}", "green.pue"},
      {"{cpu_watts_per_core: -3}", "green.cpu_watts_per_core"},
      {"{ram_watts_per_gb: -0.1}", "green.ram_watts_per_gb"},
      {"{pue: .nan}", "green.pue"},
      {"{use_rapl: maybe}", "green.use_rapl"},
      {"{grid_intensity: lots}", "green.grid_intensity"},
  };
  for (const auto& [yaml, field] : cases) {
    Options options(YAML::Load(yaml), "green", "run.yaml");
    try {
      read_green_options(options);
      ADD_FAILURE() << yaml << ": no error";
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(field), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find("run.yaml:1:"), std::string::npos) << error.what();
    }
  }
}

// Finite but absurd constants made the CO2 infinite, written as null and inf with exit 0.
TEST(GreenOptionsTest, ImplausiblyLargeValuesNameTheFieldAndTheRange) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{grid_intensity: 1e308}",
       "field 'green.grid_intensity': expected a number >= 0 and <= 2000"},
      {"{pue: 1e300}", "field 'green.pue': expected a number >= 1 and <= 10"},
      {"{cpu_watts_per_core: 1e308}",
       "field 'green.cpu_watts_per_core': expected a number >= 0 "
       "and <= 1000"},
      {"{ram_watts_per_gb: 1e200}",
       "field 'green.ram_watts_per_gb': expected a number >= 0 and "
       "<= 100"},
  };
  for (const auto& [yaml, expected] : cases) {
    Options options(YAML::Load(yaml), "green", "run.yaml");
    std::string message = testing::input_error_of([&] { read_green_options(options); });
    EXPECT_NE(message.find(expected), std::string::npos) << yaml << ": " << message;
  }
  // The largest plausible values are accepted.
  Options largest(YAML::Load("{grid_intensity: 2000, pue: 10, cpu_watts_per_core: 1000, "
                             "ram_watts_per_gb: 100}"),
                  "green", "run.yaml");
  EXPECT_NO_THROW(read_green_options(largest));
}

// Constants set in code skip read_green_options: the totals are checked before they are written.
TEST(GreenMeterTest, ANonFiniteTotalIsRefusedBeforeItIsWritten) {
  GreenOptions absurd = estimate_options();
  absurd.pue = 1e308;
  absurd.grid_intensity_g_per_kwh = 1e308;
  GreenMeter meter(absurd);
  meter.start("train");
  busy_cpu(0.01);
  meter.stop("train");
  ASSERT_FALSE(std::isfinite(meter.total().co2_kg));
  std::string message = testing::input_error_of([&] { meter.summary_json(); });
  EXPECT_NE(message.find("green meter: the CO2 of phase 'total' is not a finite number (inf): "
                         "check green.grid_intensity, green.pue"),
            std::string::npos)
      << message;
  TemporaryDirectory directory;
  const std::string csv = directory.file("green.csv");
  EXPECT_NE(testing::input_error_of([&] {
              meter.write_csv(csv, "x", "run");
            }).find("is not a finite number"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(csv));
}

TEST(GreenMeterTest, BusyLoopUsesCpuAndWallTime) {
  GreenMeter meter(estimate_options());
  meter.start("train");
  busy_cpu(0.05);
  meter.stop("train");
  PhaseMeasure train = meter.phase("train");
  EXPECT_EQ(train.intervals, 1);
  EXPECT_GT(train.cpu_s, 0.02);
  EXPECT_GT(train.wall_s, 0.02);
  // One busy thread cannot use more CPU than wall time; the margin covers idle helper threads.
  EXPECT_GE(train.wall_s * 1.5 + 0.01, train.cpu_s);
  EXPECT_GT(train.peak_rss_mb, 1.0);
  EXPECT_EQ(train.energy_source, "estimate");
}

// The estimate, recomputed by hand from the meter's own cpu_s, wall_s and peak RSS.
TEST(GreenMeterTest, EstimatedEnergyAndCarbonFollowTheFormula) {
  GreenOptions options = estimate_options();
  GreenMeter meter(options);
  meter.start("train");
  busy_cpu(0.03);
  meter.stop("train");
  PhaseMeasure train = meter.phase("train");
  double cpu_joules = train.cpu_s * 10;                                   // W per core
  double ram_joules = 0.375 * (train.peak_rss_mb / 1024) * train.wall_s;  // W/GB * GB * s
  EXPECT_NEAR(train.cpu_energy_kwh, cpu_joules / 3.6e6, 1e-12 * cpu_joules);
  EXPECT_NEAR(train.ram_energy_kwh, ram_joules / 3.6e6, 1e-12 * ram_joules);
  double kwh = (cpu_joules + ram_joules) / 3.6e6 * 1.5;  // PUE once
  EXPECT_NEAR(train.energy_kwh, kwh, 1e-12 * kwh);
  EXPECT_NEAR(train.co2_kg, kwh * 400 / 1000, 1e-12 * kwh);
  EXPECT_GT(train.co2_kg, 0);
}

TEST(GreenMeterTest, RaplEnergyComesFromTheCounters) {
  TemporaryDirectory powercap;
  std::filesystem::create_directories(powercap.file("intel-rapl:0"));
  write_text(powercap.file("intel-rapl:0/name"), "package-0\n");
  write_text(powercap.file("intel-rapl:0/max_energy_range_uj"), "1000000000\n");
  write_text(powercap.file("intel-rapl:0/energy_uj"), "999000000\n");
  GreenOptions options = estimate_options();
  options.use_rapl = true;
  GreenMeter meter(options, powercap.path());
  EXPECT_EQ(meter.energy_source(), "rapl");
  meter.start("train");
  write_text(powercap.file("intel-rapl:0/energy_uj"), "35000000\n");  // wrapped: +36 J
  meter.stop("train");
  PhaseMeasure train = meter.phase("train");
  EXPECT_EQ(train.energy_source, "rapl");
  EXPECT_NEAR(train.cpu_energy_kwh, 36.0 / 3.6e6, 1e-15);
  double ram_joules = 0.375 * (train.peak_rss_mb / 1024) * train.wall_s;
  EXPECT_NEAR(train.energy_kwh, (36.0 + ram_joules) / 3.6e6 * 1.5, 1e-15);
  EXPECT_EQ(meter.summary_json()["energy_source"], "rapl");

  // The same counters with RAPL turned off: an estimate, and said to be one.
  options.use_rapl = false;
  GreenMeter estimating(options, powercap.path());
  EXPECT_EQ(estimating.energy_source(), "estimate");
}

TEST(GreenMeterTest, UnreadableRaplFallsBackToTheEstimate) {
  TemporaryDirectory empty;
  GreenOptions options;
  GreenMeter meter(options, empty.path());
  EXPECT_EQ(meter.energy_source(), "estimate");
  EXPECT_EQ(meter.summary_json()["constants"]["rapl_available"], false);
}

TEST(GreenMeterTest, PhasesAccumulateOverManyIntervals) {
  GreenMeter meter(estimate_options());
  meter.start("train");
  busy_cpu(0.01);
  meter.stop("train");
  double first_wall = meter.phase("train").wall_s;
  double first_cpu = meter.phase("train").cpu_s;
  {
    auto scope = meter.measure("train");
    EXPECT_TRUE(meter.running("train"));
    busy_cpu(0.01);
  }
  EXPECT_FALSE(meter.running("train"));
  PhaseMeasure train = meter.phase("train");
  EXPECT_EQ(train.intervals, 2);
  EXPECT_GT(train.wall_s, first_wall);
  EXPECT_GT(train.cpu_s, first_cpu);
}

TEST(GreenMeterTest, RunningPhaseIsIncludedUpToNow) {
  GreenMeter meter(estimate_options());
  meter.start("eval");
  busy_cpu(0.01);
  PhaseMeasure eval = meter.phase("eval");
  EXPECT_TRUE(meter.running("eval"));
  EXPECT_EQ(eval.intervals, 1);
  EXPECT_GT(eval.wall_s, 0);
  meter.stop("eval");
  EXPECT_EQ(meter.phase("eval").intervals, 1);
}

TEST(GreenMeterTest, ScopeStopsItsPhaseWhenAnExceptionUnwinds) {
  GreenMeter meter(estimate_options());
  try {
    auto scope = meter.measure("train");
    throw std::runtime_error("training failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(meter.running("train"));
  EXPECT_EQ(meter.phase("train").intervals, 1);
}

TEST(GreenMeterTest, TotalSumsPhasesAndTakesThePeakRss) {
  GreenMeter meter(estimate_options());
  meter.start("train");
  busy_cpu(0.01);
  meter.stop("train");
  meter.start("eval");
  busy_cpu(0.01);
  meter.stop("eval");
  meter.add_flops("train", 1000);
  meter.add_flops("eval", 10);
  PhaseMeasure train = meter.phase("train");
  PhaseMeasure eval = meter.phase("eval");
  PhaseMeasure total = meter.total();
  EXPECT_EQ(total.name, "total");
  EXPECT_EQ(total.intervals, 2);
  EXPECT_DOUBLE_EQ(total.wall_s, train.wall_s + eval.wall_s);
  EXPECT_DOUBLE_EQ(total.cpu_s, train.cpu_s + eval.cpu_s);
  EXPECT_DOUBLE_EQ(total.peak_rss_mb, std::max(train.peak_rss_mb, eval.peak_rss_mb));
  EXPECT_EQ(total.flops, 1010);
  EXPECT_DOUBLE_EQ(total.energy_kwh, train.energy_kwh + eval.energy_kwh);
  EXPECT_DOUBLE_EQ(total.co2_kg, train.co2_kg + eval.co2_kg);
  EXPECT_EQ(total.energy_source, "estimate");
}

TEST(GreenMeterTest, SummaryJsonHasTheDesignKeys) {
  GreenMeter meter(estimate_options());
  meter.add_flops("train", 300);
  meter.add_flops("train", 600);
  meter.add_flops("eval", 50);
  meter.start("eval");
  meter.stop("eval");
  nlohmann::json summary = meter.summary_json();
  for (const char* key : {"wall_s", "cpu_s", "peak_rss_mb", "train_flops", "energy_kwh",
                          "energy_source", "co2_kg", "phases", "constants"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  EXPECT_EQ(summary.size(), 9u);
  EXPECT_EQ(summary["train_flops"].get<int64_t>(), 900);
  EXPECT_EQ(summary["energy_source"], "estimate");
  EXPECT_EQ(summary["phases"]["eval"]["flops"].get<int64_t>(), 50);
  EXPECT_EQ(summary["phases"]["eval"]["intervals"].get<int64_t>(), 1);
  EXPECT_DOUBLE_EQ(summary["co2_kg"].get<double>(), meter.total().co2_kg);
  EXPECT_DOUBLE_EQ(summary["constants"]["pue"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(summary["constants"]["grid_intensity_g_per_kwh"].get<double>(), 400);
  EXPECT_DOUBLE_EQ(summary["constants"]["cpu_watts_per_core"].get<double>(), 10);
  EXPECT_DOUBLE_EQ(summary["constants"]["ram_watts_per_gb"].get<double>(), 0.375);

  GreenMeter empty(estimate_options());
  EXPECT_EQ(empty.summary_json()["train_flops"].get<int64_t>(), 0);
}

TEST(GreenMeterTest, CsvHasOneRowPerPhaseAndATotal) {
  TemporaryDirectory directory;
  GreenMeter meter(estimate_options());
  meter.start("train");
  busy_cpu(0.01);
  meter.stop("train");
  meter.add_flops("train", 12345);
  meter.start("eval");
  meter.stop("eval");
  std::string file = directory.file("green.csv");
  meter.write_csv(file, "demo, with comma", "run-7");
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
  std::vector<std::string> lines = lines_of(read_text(file));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "timestamp,project_name,run_id,phase,duration,cpu_seconds,peak_rss_mb,flops,"
            "emissions,emissions_rate,cpu_power,ram_power,cpu_energy,ram_energy,energy_consumed,"
            "energy_source,grid_intensity,pue");
  EXPECT_NE(lines[1].find(",\"demo, with comma\",run-7,train,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(",12345,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(",run-7,eval,"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find(",run-7,total,"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find(",estimate,400,1.5"), std::string::npos) << lines[3];
  // 18 columns: 17 separators, plus the one inside the quoted project name.
  EXPECT_EQ(std::count(lines[3].begin(), lines[3].end(), ','), 18);
}

TEST(GreenMeterTest, StateRoundTripsAndKeepsAccumulating) {
  GreenMeter meter(estimate_options());
  meter.start("train");
  busy_cpu(0.01);
  meter.stop("train");
  meter.add_flops("train", 777);
  meter.start("eval");
  meter.stop("eval");
  nlohmann::json state = meter.state();

  GreenMeter resumed(estimate_options());
  resumed.restore(nlohmann::json::parse(state.dump()));
  EXPECT_EQ(resumed.state(), state);
  EXPECT_EQ(resumed.phase_names(), meter.phase_names());
  EXPECT_EQ(resumed.summary_json(), meter.summary_json());
  PhaseMeasure before = meter.phase("train");
  PhaseMeasure after = resumed.phase("train");
  EXPECT_EQ(after.flops, 777);
  EXPECT_EQ(after.intervals, before.intervals);
  EXPECT_DOUBLE_EQ(after.wall_s, before.wall_s);
  EXPECT_DOUBLE_EQ(after.cpu_s, before.cpu_s);
  EXPECT_DOUBLE_EQ(after.energy_kwh, before.energy_kwh);

  resumed.add_flops("train", 223);
  resumed.start("train");
  resumed.stop("train");
  EXPECT_EQ(resumed.phase("train").flops, 1000);
  EXPECT_EQ(resumed.phase("train").intervals, 2);
  EXPECT_GE(resumed.phase("train").wall_s, before.wall_s);
}

TEST(GreenMeterTest, MalformedStateIsAnInputError) {
  GreenMeter meter(estimate_options());
  EXPECT_THROW(meter.restore(nlohmann::json::object()), InputError);
  EXPECT_THROW(meter.restore({{"version", 99}, {"phases", nlohmann::json::array()}}), InputError);
  nlohmann::json negative = {{"version", 1},
                             {"phases",
                              {{{"name", "train"},
                                {"intervals", 1},
                                {"wall_s", -1.0},
                                {"cpu_s", 0.0},
                                {"peak_rss_mb", 0.0},
                                {"flops", 0},
                                {"cpu_energy_j", 0.0},
                                {"rapl_used", false},
                                {"estimate_used", true}}}}};
  EXPECT_THROW(meter.restore(negative), InputError);
  negative["phases"][0]["wall_s"] = "soon";
  EXPECT_THROW(meter.restore(negative), InputError);
}

TEST(GreenMeterTest, MisuseIsAnInternalError) {
  GreenMeter meter(estimate_options());
  EXPECT_THROW(meter.stop("train"), std::logic_error);
  meter.start("train");
  EXPECT_THROW(meter.start("train"), std::logic_error);
  EXPECT_THROW(meter.start("total"), std::logic_error);
  EXPECT_THROW(meter.start(""), std::logic_error);
  EXPECT_THROW(meter.add_flops("train", -1), std::logic_error);
}

}  // namespace
}  // namespace evergreen
