// End to end through the library: determinism, checkpoint/resume bit for bit, the default config.
#include "evergreen/run/experiment.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "evergreen/core/options.h"
#include "evergreen/models/model_registry.h"
#include "evergreen/run/compatibility.h"
#include "evergreen/strategies/strategy_registry.h"
#include "test_support.h"

namespace evergreen {
namespace {

YAML::Node small_config(const std::string& strategies) {
  return YAML::Load(
      "experiment: small\nseed: 3\nstream: {name: synthetic_workload, days: 14, periods: 3, "
      "input_length: 24, horizon: 4}\nmodel: {name: mlp, hidden_size: 16}\nstrategies: " +
      strategies + "\ntrain: {epochs: 2, batch_size: 16}\n");
}

RunControl quiet(const std::string& directory) {
  RunControl control;
  control.out_dir = directory;
  control.progress = [](const ProgressEvent&) {};
  return control;
}

/// Every field of a summary that must not depend on timing.
nlohmann::json without_timings(nlohmann::json summary) {
  auto& green = summary["green"];
  nlohmann::json kept = {{"train_flops", green["train_flops"]},
                         {"energy_source", green["energy_source"]}};
  summary["green"] = kept;
  return summary;
}

TEST(Experiment, SameSeedAndConfigGiveBitIdenticalResults) {
  testing::TemporaryDirectory first, second;
  auto run = [](const std::string& directory) {
    ExperimentPlan plan = plan_experiment(small_config("[naive, er]"), "small.yaml");
    return run_experiment(plan, quiet(directory));
  };
  auto a = run(first.path());
  auto b = run(second.path());
  ASSERT_EQ(a.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(without_timings(a[i].summary).dump(), without_timings(b[i].summary).dump());
  }
  EXPECT_TRUE(std::filesystem::exists(first.file("comparison.json")));
  EXPECT_TRUE(std::filesystem::exists(first.file("er/summary.json")));
  EXPECT_TRUE(std::filesystem::exists(first.file("er/metrics.jsonl")));
  EXPECT_TRUE(std::filesystem::exists(first.file("er/matrix.csv")));
  EXPECT_TRUE(std::filesystem::exists(first.file("er/green.csv")));
  EXPECT_TRUE(std::filesystem::exists(first.file("er/config.yaml")));
  // A different seed changes the results.
  testing::TemporaryDirectory third;
  YAML::Node config = small_config("[er]");
  config["seed"] = 4;
  auto c = run_experiment(plan_experiment(config, "small.yaml"), quiet(third.path()));
  EXPECT_NE(c[0].summary["matrix"].dump(), a[1].summary["matrix"].dump());
}

TEST(Experiment, ResumeAfterStopEndsBitIdenticalToAnUninterruptedRun) {
  // Every registered strategy that fits the forecaster of small_config.
  const auto& mlp = model_registry().find("mlp", "test");
  for (const auto& entry : strategy_registry().entries()) {
    if (!strategy_fits_model(mlp, entry)) continue;
    SCOPED_TRACE(entry.name);
    std::string strategies = "[" + entry.name + "]";
    testing::TemporaryDirectory whole, parts;
    auto uninterrupted =
        run_experiment(plan_experiment(small_config(strategies), "small.yaml"), quiet(whole.path()));
    ASSERT_TRUE(uninterrupted[0].completed);

    RunControl stop = quiet(parts.path());
    stop.stop_after = 2;  // after two periods: teachers, Fisher and selected memories exist
    auto stopped = run_experiment(plan_experiment(small_config(strategies), "small.yaml"), stop);
    EXPECT_FALSE(stopped[0].completed);
    EXPECT_EQ(stopped[0].experiences_trained, 2);
    EXPECT_FALSE(std::filesystem::exists(parts.file("summary.json")));
    EXPECT_TRUE(std::filesystem::exists(parts.file("checkpoint.pt")));
    EXPECT_FALSE(std::filesystem::exists(parts.file("checkpoint.pt.tmp")));

    // Resume from the run's own resolved config, as `evergreen run --resume` does.
    RunControl resume = quiet(parts.path());
    resume.resume = true;
    auto resumed = run_experiment(
        plan_experiment(load_yaml_file(parts.file("config.yaml")), parts.file("config.yaml")),
        resume);
    ASSERT_TRUE(resumed[0].completed);
    EXPECT_EQ(without_timings(resumed[0].summary).dump(),
              without_timings(uninterrupted[0].summary).dump());
    EXPECT_EQ(testing::read_text(parts.file("matrix.csv")), testing::read_text(whole.file("matrix.csv")));
    EXPECT_EQ(testing::read_text(parts.file("metrics.jsonl")),
              testing::read_text(whole.file("metrics.jsonl")));
  }
}

TEST(Experiment, ClassificationResumeIsBitIdenticalForEveryStrategyThatFits) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  const auto& classifier = model_registry().find("mlp_classifier", "test");
  StreamCache streams;  // the images are read once for every run below
  auto config = [](const std::string& strategy) {
    return YAML::Load(
        "experiment: split\nstream: {name: split_images, tasks: 3, train_rows: 40, "
        "test_rows: 10}\nmodel: {name: mlp_classifier, hidden_sizes: [16]}\nstrategies: [" +
        strategy + "]\ntrain: {epochs: 1, batch_size: 10, optimizer: sgd, learning_rate: 0.05}\n");
  };
  for (const auto& entry : strategy_registry().entries()) {
    if (!strategy_fits_model(classifier, entry)) continue;
    SCOPED_TRACE(entry.name);
    std::string strategy = entry.name == "stack" ? "{name: stack, of: [{name: derpp, "
                                                   "memory_size: 20}, lwf]}"
                                                 : "{name: " + entry.name + "}";
    testing::TemporaryDirectory whole, parts;
    auto uninterrupted = run_experiment(plan_experiment(config(strategy), "split.yaml", &streams),
                                        quiet(whole.path()));
    ASSERT_TRUE(uninterrupted[0].completed);
    RunControl stop = quiet(parts.path());
    stop.stop_after = 2;
    run_experiment(plan_experiment(config(strategy), "split.yaml", &streams), stop);
    RunControl resume = quiet(parts.path());
    resume.resume = true;
    auto resumed = run_experiment(plan_experiment(load_yaml_file(parts.file("config.yaml")),
                                                  parts.file("config.yaml"), &streams),
                                  resume);
    ASSERT_TRUE(resumed[0].completed);
    EXPECT_EQ(without_timings(resumed[0].summary).dump(),
              without_timings(uninterrupted[0].summary).dump());
  }
}

TEST(Experiment, EventStreamResumeIsBitIdenticalForPromptTpp) {
  auto config = [] {
    return YAML::Load(
        "experiment: events\nseed: 1\nstream: {name: regime_shifting_hawkes, windows: 3, "
        "train_sequences: 6, test_sequences: 3, horizon: 8}\nmodel: {name: attnhp, "
        "hidden_size: 8, time_embedding_size: 4, integral_points: 5}\nstrategies: "
        "[{name: prompttpp, pool_size: 4, prompt_length: 2, top_n: 2}]\ntrain: {epochs: 2, "
        "batch_size: 3}\n");
  };
  testing::TemporaryDirectory whole, parts;
  auto uninterrupted = run_experiment(plan_experiment(config(), "events.yaml"), quiet(whole.path()));
  ASSERT_TRUE(uninterrupted[0].completed);
  RunControl stop = quiet(parts.path());
  stop.stop_after = 2;
  run_experiment(plan_experiment(config(), "events.yaml"), stop);
  RunControl resume = quiet(parts.path());
  resume.resume = true;
  auto resumed = run_experiment(
      plan_experiment(load_yaml_file(parts.file("config.yaml")), parts.file("config.yaml")), resume);
  ASSERT_TRUE(resumed[0].completed);
  EXPECT_EQ(without_timings(resumed[0].summary).dump(),
            without_timings(uninterrupted[0].summary).dump());
  EXPECT_GT(uninterrupted[0].summary["memory"]["bytes"].get<int64_t>(), 0);  // the prompt pool
}

TEST(Experiment, DefaultConfigFileMatchesTheBuiltInDefault) {
  auto file = std::string(EVERGREEN_SOURCE_DIR) + "/configs/default.yaml";
  YAML::Emitter from_file, built_in;
  from_file << load_yaml_file(file);
  built_in << default_experiment_config();
  EXPECT_EQ(std::string(from_file.c_str()), std::string(built_in.c_str()));
}

TEST(Experiment, ResolvedConfigHoldsEveryDefault) {
  ExperimentPlan plan = plan_experiment(small_config("[er]"), "small.yaml");
  EXPECT_EQ(plan.config["strategies"][0]["memory_size"].as<int>(), 200);
  EXPECT_DOUBLE_EQ(plan.config["train"]["learning_rate"].as<double>(), 1e-3);
  EXPECT_DOUBLE_EQ(plan.config["green"]["grid_intensity"].as<double>(), 475.0);
  EXPECT_EQ(plan.config["model"]["layers"].as<int>(), 2);
  // Planning the resolved config again changes nothing.
  YAML::Emitter once, twice;
  once << plan.config;
  twice << plan_experiment(YAML::Clone(plan.config), "resolved.yaml").config;
  EXPECT_EQ(std::string(once.c_str()), std::string(twice.c_str()));
}

}  // namespace
}  // namespace evergreen
