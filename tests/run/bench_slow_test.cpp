// The benchmark commands as `make bench` runs them, in their smoke versions.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace evergreen {
namespace {

TEST(Bench, AutoscalingSmokeRunsEveryPiece) {
  testing::TemporaryDirectory directory;
  auto result = testing::run_cli("bench autoscaling --smoke --out " + directory.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Goals at 5% memory"), std::string::npos) << result.output;
  auto json = nlohmann::json::parse(testing::read_text(directory.file("autoscaling.json")));
  ASSERT_EQ(json["streams"].size(), 1u);
  const auto& stream = json["streams"][0];
  std::vector<std::string> labels;
  for (const auto& row : stream["rows"]) {
    labels.push_back(row["label"]);
    for (const auto& [name, value] : row["metrics"].items())
      EXPECT_TRUE(std::isfinite(value["mean"].get<double>())) << row["label"] << " " << name;
  }
  for (const char* label : {"last-value", "seasonal-naive", "naive", "er-5pct", "dmshm-5pct"})
    EXPECT_NE(std::find(labels.begin(), labels.end(), label), labels.end()) << label;
  EXPECT_GE(stream["reactive"]["slo_violation_rate"].get<double>(), 0.0);
  EXPECT_TRUE(std::filesystem::exists(directory.file("synthetic/seed-0/dmshm-5pct/scaling.csv")));
  EXPECT_TRUE(std::filesystem::exists(directory.file("autoscaling.json")));
}

TEST(Bench, TppSmokeScoresBothModelsAgainstTheTruth) {
  if (testing::shared_data_dir().empty())
    GTEST_SKIP() << "../shared/data not found: bench tpp needs tpp/synth/hawkes1.npz";
  auto result = testing::run_cli("bench tpp --smoke --json --data " + testing::shared_data_dir() +
                                 " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto json = nlohmann::json::parse(result.output.substr(result.output.find('{')));
  ASSERT_EQ(json["quality"].size(), 1u);
  const auto& row = json["quality"][0];
  EXPECT_EQ(row["dataset"], "hawkes1");
  // The truth is the floor in expectation; a model trained for one epoch sits above it.
  for (const char* convention : {"easytpp", "full"}) {
    EXPECT_GT(row["nhp"][convention].get<double>(), row["truth"][convention].get<double>() - 0.05)
        << convention;
    EXPECT_GT(row["attnhp_windows"][convention].get<double>(),
              row["truth_windows"][convention].get<double>() - 0.05)
        << convention;
  }
  for (const char* model : {"nhp", "attnhp"})
    EXPECT_GT(json["speed"][model]["events_per_s"].get<double>(), 0.0) << model;
}

TEST(Bench, ClassicSmokeFillsTheTableAndTimesBothLoops) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  testing::TemporaryDirectory directory;
  auto result = testing::run_cli("bench classic --smoke --json --out " + directory.path() +
                                 " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto json = nlohmann::json::parse(result.output.substr(result.output.find('{')));
  std::set<std::string> methods;
  for (const auto& row : json["accuracy"]) {
    methods.insert(row["method"].get<std::string>());
    const double accuracy = row["accuracy"]["mean"].get<double>();
    EXPECT_GE(accuracy, 0.0) << row["method"];
    EXPECT_LE(accuracy, 100.0) << row["method"];
    if (row["benchmark"] == "split") EXPECT_TRUE(row.contains("task_il_accuracy"));
  }
  for (const char* method : {"sgd", "joint", "ewc", "si", "lwf", "er", "gem", "agem", "icarl",
                             "gdumb", "derpp"})
    EXPECT_TRUE(methods.count(method)) << method;
  ASSERT_EQ(json["speed"].size(), 2u);
  for (const auto& row : json["speed"])
    EXPECT_GT(row["evergreen"]["steps_per_second"].get<double>(), 0.0);
  EXPECT_TRUE(std::filesystem::exists(directory.file("split-er-200/seed-0/summary.json")));
}

}  // namespace
}  // namespace evergreen
