// The benchmark commands as `make bench` runs them, in their smoke versions.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
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

}  // namespace
}  // namespace evergreen
