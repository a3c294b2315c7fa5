// What a bench needs from the sweep beyond the runs' metrics: its own output layout, a look at
// the model after every experience, and the stream it planned with.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "evergreen/run/sweep.h"
#include "test_support.h"

namespace evergreen {
namespace {

YAML::Node tiny_config(const std::string& strategy) {
  return YAML::Load(
      "experiment: sweep-hooks\nstream: {name: synthetic_workload, days: 8, steps_per_day: 24, "
      "periods: 3, input_length: 12, horizon: 2}\nmodel: {name: mlp, hidden_size: 8}\n"
      "strategies: [" +
      strategy + "]\ntrain: {epochs: 1, batch_size: 16}\n");
}

TEST(SweepHooks, RunDirectoryAfterExperienceAndSharedStreams) {
  testing::TemporaryDirectory directory;
  StreamCache streams;
  ExperimentPlan planned = plan_experiment(tiny_config("naive"), "test", &streams);
  SweepOptions options;
  options.seeds = {0, 1};
  options.jobs = 2;
  options.streams = &streams;
  options.run_directory = [&](const SweepCell& cell, uint64_t seed) {
    return fmt::format("{}/seed-{}/{}", directory.path(), seed, cell.label);
  };
  std::mutex mutex;
  std::map<std::pair<size_t, uint64_t>, std::vector<int64_t>> seen;
  options.after_experience = [&](size_t cell, uint64_t seed, Model&, int64_t experience) {
    std::lock_guard<std::mutex> lock(mutex);
    seen[{cell, seed}].push_back(experience);
  };
  auto results = run_sweep({{"naive", tiny_config("naive")}, {"er", tiny_config("er")}}, options);
  ASSERT_EQ(results.size(), 2u);
  // Every run called back once per experience, in order, with its own cell and seed.
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& [key, experiences] : seen)
    EXPECT_EQ(experiences, (std::vector<int64_t>{0, 1, 2})) << key.first << " " << key.second;
  for (const char* label : {"naive", "er"})
    for (int seed : {0, 1})
      EXPECT_TRUE(std::filesystem::exists(
          directory.file(fmt::format("seed-{}/{}/summary.json", seed, label))))
          << label << " " << seed;
  EXPECT_FALSE(std::filesystem::exists(directory.file("naive")));
  // The runs read the stream the caller built: the same tensors, not a copy.
  ExperimentPlan again = plan_experiment(tiny_config("er"), "test", &streams);
  EXPECT_TRUE(again.stream.experiences[0].train.at("x").is_same(
      planned.stream.experiences[0].train.at("x")));
}

}  // namespace
}  // namespace evergreen
