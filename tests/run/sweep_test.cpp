#include "evergreen/run/sweep.h"

#include <gtest/gtest.h>

#include "evergreen/data/vision/mammoth_protocol.h"
#include "test_support.h"

namespace evergreen {
namespace {

TEST(Sweep, MeanAndSampleStandardDeviation) {
  MeanStd value = mean_std({2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0});
  EXPECT_DOUBLE_EQ(value.mean, 5.0);
  EXPECT_NEAR(value.std, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(value.count, 8);
  EXPECT_EQ(mean_std({3.0}).std, 0.0);
  EXPECT_EQ(mean_std({}).count, 0);
}

YAML::Node tiny_config(const std::string& strategy) {
  return YAML::Load(
      "experiment: sweep\nstream: {name: synthetic_workload, days: 6, steps_per_day: 24, "
      "periods: 2, input_length: 12, horizon: 2}\nmodel: {name: mlp, hidden_size: 8}\n"
      "strategies: [" +
      strategy + "]\ntrain: {epochs: 1, batch_size: 16}\n");
}

TEST(Sweep, RunsCellsTimesSeedsAndEqualsSingleRunsOnTwoThreads) {
  testing::TemporaryDirectory directory;
  SweepOptions options;
  options.seeds = {0, 1};
  options.out_dir = directory.path();
  options.jobs = 2;
  auto results = run_sweep({{"naive", tiny_config("naive")}, {"er", tiny_config("er")}}, options);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_EQ(results[1].runs.size(), 2u);
  EXPECT_EQ(results[1].label, "er");
  // The same run alone, on one thread, gives the same matrix: jobs do not change results.
  testing::TemporaryDirectory alone;
  YAML::Node config = tiny_config("er");
  config["seed"] = 1;
  RunControl control;
  control.out_dir = alone.path();
  control.progress = [](const ProgressEvent&) {};
  auto single = run_experiment(plan_experiment(config, "er"), control);
  EXPECT_EQ(single[0].matrix, results[1].runs[1].matrix);
  EXPECT_NE(results[1].runs[0].matrix, results[1].runs[1].matrix);
  MeanStd acc =
      summarize_runs(results[0], [](const StrategyOutcome& run) { return run.continual.acc; });
  EXPECT_EQ(acc.count, 2);
}

TEST(Sweep, ABadCellFailsBeforeAnythingTrains) {
  testing::TemporaryDirectory directory;
  SweepOptions options;
  options.out_dir = directory.path();
  auto message = testing::input_error_of([&] {
    run_sweep({{"good", tiny_config("naive")}, {"bad", tiny_config("{name: er, memory: 3}")}},
              options);
  });
  EXPECT_NE(message.find("sweep cell 'bad'"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(directory.file("good")));
}

TEST(MammothProtocol, ConfigsCarryThePublishedArguments) {
  MammothStreamOptions stream;
  YAML::Node derpp = mammoth_experiment("split", "derpp", 200, stream);
  EXPECT_EQ(derpp["train"]["batch_size"].as<int>(), 10);
  EXPECT_EQ(derpp["train"]["optimizer"].as<std::string>(), "sgd");
  EXPECT_DOUBLE_EQ(derpp["train"]["learning_rate"].as<double>(), 0.03);
  EXPECT_DOUBLE_EQ(derpp["strategies"][0]["alpha"].as<double>(), 0.2);
  EXPECT_DOUBLE_EQ(derpp["strategies"][0]["beta"].as<double>(), 1.0);
  EXPECT_EQ(derpp["strategies"][0]["replay_batch_size"].as<int>(), 128);
  EXPECT_EQ(derpp["strategies"][0]["memory_size"].as<int>(), 200);
  YAML::Node der = mammoth_experiment("permuted", "der", 500, stream);
  EXPECT_EQ(der["strategies"][0]["name"].as<std::string>(), "derpp");
  EXPECT_DOUBLE_EQ(der["strategies"][0]["beta"].as<double>(), 0.0);
  EXPECT_EQ(der["train"]["batch_size"].as<int>(), 128);
  EXPECT_EQ(der["stream"]["tasks"].as<int>(), 20);
  EXPECT_TRUE(
      mammoth_experiment("split", "joint", 0, stream)["strategies"][0]["offline"].as<bool>());
  EXPECT_FALSE(mammoth_method_runs_on("icarl", "rotated"));
  EXPECT_DOUBLE_EQ(published_mnist_accuracy("derpp", 500)->at(0), 91.00);
  EXPECT_FALSE(published_mnist_accuracy("gdumb", 200).has_value());
  EXPECT_NE(testing::input_error_of([&] {
              mammoth_experiment("split", "mir", 200, stream);
            }).find("unknown method 'mir'"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
