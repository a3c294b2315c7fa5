// The benchmark commands as `make bench` runs them, in their smoke versions.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

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

// A user's CSV with a time column: a daily pattern every 300 s for 3 days, one row missing
// and one duplicated. The bench infers the 300 s step, puts the rows on the grid (1 merged, 1
// interpolated), takes a season of 86400 / 300 = 288 steps, and scores both references.
TEST(Bench, AutoscalingReadsAUsersCsvWithATimeColumn) {
  testing::TemporaryDirectory directory;
  std::string text = "time,load\n";
  const int64_t start = 1700000000;
  for (int64_t k = 0; k < 3 * 288; ++k) {
    if (k == 400) continue;  // a gap
    double load = 50 + 20 * std::sin(2 * M_PI * static_cast<double>(k) / 288.0);
    text += fmt::format("{},{}\n", start + 300 * k, load);
    if (k == 500) text += fmt::format("{},{}\n", start + 300 * k, load);  // a duplicate
  }
  testing::write_text(directory.file("my trace.csv"), text);
  auto result = testing::run_cli("bench autoscaling --smoke --streams none --csv '" +
                                 directory.file("my trace.csv") +
                                 "' --column load --time-column time --out " + directory.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto json = nlohmann::json::parse(testing::read_text(directory.file("autoscaling.json")));
  ASSERT_EQ(json["streams"].size(), 1u);
  const auto& stream = json["streams"][0];
  EXPECT_EQ(stream["stream"], "csv-my-trace");
  EXPECT_EQ(stream["season_steps"].get<int64_t>(), 288);
  EXPECT_EQ(stream["step_seconds"].get<double>(), 300.0);
  EXPECT_EQ(stream["experiences"].get<int64_t>(), 3);
  EXPECT_NE(stream["title"].get<std::string>().find("1 merged, 1 interpolated"), std::string::npos)
      << stream["title"];
  std::set<std::string> labels;
  for (const auto& row : stream["rows"]) labels.insert(row["label"].get<std::string>());
  for (const char* label : {"last-value", "seasonal-naive", "naive", "er-5pct", "dmshm-5pct"})
    EXPECT_TRUE(labels.count(label)) << label;
  EXPECT_NE(result.output.find("### Summary"), std::string::npos) << result.output;
}

TEST(Bench, AutoscalingNamesTheFileLineAndFieldOfABadCsv) {
  testing::TemporaryDirectory directory;
  testing::write_text(directory.file("bad.csv"), "time,load\n0,1\n300,2\n600,x7\n900,3\n");
  auto result = testing::run_cli("bench autoscaling --smoke --streams none --csv " +
                                 directory.file("bad.csv") + " --column load --step-seconds 300" +
                                 " --out " + directory.path());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(directory.file("bad.csv") + ":4:"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("column 'load'"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("'x7'"), std::string::npos) << result.output;
  auto missing = testing::run_cli("bench autoscaling --smoke --streams none --csv " +
                                  directory.file("bad.csv") + " --column lod --step-seconds 300" +
                                  " --out " + directory.path());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("no column named 'lod'"), std::string::npos) << missing.output;
}

TEST(Bench, TppSmokeScoresBothModelsAgainstTheTruth) {
  if (testing::shared_data_dir().empty())
    GTEST_SKIP() << "../shared/data not found: bench tpp needs tpp/synth/hawkes1.npz";
  auto result = testing::run_cli("bench tpp --smoke --json --data-dir " +
                                 testing::shared_data_dir() + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto json = nlohmann::json::parse(result.output.substr(result.output.find('{')));
  ASSERT_EQ(json["quality"].size(), 2u);
  EXPECT_EQ(json["quality"][0]["dataset"], "hawkes1");
  EXPECT_EQ(json["quality"][1]["dataset"], "self_correcting");  // generated in-process
  for (const auto& row : json["quality"]) {
    SCOPED_TRACE(row["dataset"].get<std::string>());
    for (const char* model : {"nhp", "attnhp"}) {
      ASSERT_TRUE(row["models"].contains(model)) << model;
      const auto& scores = row["models"][model];
      const auto& view = row["views"][scores["view"].get<std::string>()];
      // The truth is the floor in expectation; a model trained for one epoch sits above it.
      for (const char* convention : {"easytpp", "full"})
        EXPECT_GT(scores["nll"][convention].get<double>(),
                  view["truth"][convention].get<double>() - 0.05)
            << model << " " << convention;
    }
    // The fitted references are scored in both conventions; none beats the truth by much.
    for (const char* reference : {"poisson", "lognormal", "hawkes"})
      EXPECT_GT(row["views"]["whole"]["references"][reference]["easytpp"].get<double>(),
                row["views"]["whole"]["truth"]["easytpp"].get<double>() - 0.05)
          << reference;
  }
  for (const char* model : {"nhp", "attnhp"})
    EXPECT_GT(json["speed"][model]["events_per_s"].get<double>(), 0.0) << model;
}

// Any event data: `gen self-correcting` writes EasyTPP JSON, `bench tpp --data` reads it, with
// no true model: the parametric references stand in for it.
TEST(Bench, TppSmokeOnAUsersFile) {
  testing::TemporaryDirectory directory;
  const std::string file = directory.file("events.json");
  auto generated =
      testing::run_cli("gen self-correcting --sequences 16 --horizon 64 --seed 3 --out " + file);
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  auto result = testing::run_cli(
      "bench tpp --smoke --json --models nhp --train 0-11 --test 12-15 "
      "--data " +
      file + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto json = nlohmann::json::parse(result.output.substr(result.output.find('{')));
  ASSERT_EQ(json["quality"].size(), 1u);
  const auto& row = json["quality"][0];
  EXPECT_EQ(row["dataset"], "events");
  EXPECT_EQ(row["train_sequences"], 12);
  EXPECT_EQ(row["test_sequences"], 4);
  EXPECT_TRUE(row["views"]["whole"]["truth"].is_null());
  for (const char* reference : {"poisson", "lognormal", "hawkes"})
    EXPECT_TRUE(
        std::isfinite(row["views"]["whole"]["references"][reference]["full"].get<double>()));
  EXPECT_TRUE(std::isfinite(row["models"]["nhp"]["nll"]["easytpp"].get<double>()));
  auto bad = testing::run_cli("bench tpp --smoke --train 0-99 --data " + file + " 2>&1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--train"), std::string::npos) << bad.output;
}

TEST(Bench, ClassicSmokeFillsTheTableAndTimesBothLoops) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  testing::TemporaryDirectory directory;
  auto result =
      testing::run_cli("bench classic --smoke --json --out " + directory.path() + " 2>/dev/null");
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
  for (const char* method :
       {"sgd", "joint", "ewc", "si", "lwf", "er", "gem", "agem", "icarl", "gdumb", "derpp"})
    EXPECT_TRUE(methods.count(method)) << method;
  ASSERT_EQ(json["speed"].size(), 2u);
  for (const auto& row : json["speed"])
    EXPECT_GT(row["evergreen"]["steps_per_second"].get<double>(), 0.0);
  EXPECT_TRUE(std::filesystem::exists(directory.file("split-er-200/seed-0/summary.json")));
}

}  // namespace
}  // namespace evergreen
