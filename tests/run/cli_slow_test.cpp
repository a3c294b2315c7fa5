// The evergreen CLI as a user runs it: bad input exits 2 with one line naming what and where,
// --stop-after/--resume, and a golden summary.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "run/cli_error_lines.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::expect_one_line_error;
using testing::run_cli;
using testing::TemporaryDirectory;
using testing::write_text;

const char* kTinyConfig =
    "experiment: tiny\nseed: 1\nstream: {name: synthetic_workload, days: 14, periods: 3, "
    "input_length: 24, horizon: 4}\nmodel: {name: mlp, hidden_size: 16}\nstrategies: [er]\n"
    "train: {epochs: 2, batch_size: 16}\n";

TEST(Cli, MissingConfig) {
  expect_one_line_error(run_cli("run /nonexistent/run.yaml"),
                        {"/nonexistent/run.yaml", "not found"});
}

TEST(Cli, MalformedConfig) {
  TemporaryDirectory directory;
  write_text(directory.file("bad.yaml"), "stream:\n  name: [synthetic_workload\n");
  expect_one_line_error(run_cli("run " + directory.file("bad.yaml")),
                        {directory.file("bad.yaml") + ":", "malformed YAML"});
}

TEST(Cli, UnknownStrategyListsKnownNames) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), "strategies:\n  - naive\n  - replay\n");
  expect_one_line_error(
      run_cli("run " + directory.file("run.yaml") + " --out " + directory.file("out")),
      {"run.yaml:3", "unknown strategy 'replay'", "naive, joint, er"});
}

TEST(Cli, UnknownModelAndStreamAndOption) {
  TemporaryDirectory directory;
  expect_one_line_error(run_cli("run --set model.name=transformer --out " + directory.file("a")),
                        {"unknown model 'transformer'", "mlp, lstm"});
  expect_one_line_error(run_cli("run --set stream.name=kafka --out " + directory.file("b")),
                        {"unknown stream 'kafka'", "synthetic_workload"});
  expect_one_line_error(run_cli("run --set train.epocs=3 --out " + directory.file("c")),
                        {"train.epocs", "unknown option", "epochs"});
}

TEST(Cli, TextInANumericCsvColumn) {
  TemporaryDirectory directory;
  std::string csv = "load\n";
  for (int i = 0; i < 400; ++i)
    csv += (i == 41 ? std::string("oops") : std::to_string(i % 24)) + "\n";
  write_text(directory.file("load.csv"), csv);
  write_text(directory.file("run.yaml"),
             "stream: {name: csv_workload, path: " + directory.file("load.csv") +
                 ", column: load, periods: 2, input_length: 12, "
                 "horizon: 2}\n");
  expect_one_line_error(
      run_cli("run " + directory.file("run.yaml") + " --out " + directory.file("out")),
      {"load.csv:43", "load", "oops"});
}

TEST(Cli, NanInASeries) {
  TemporaryDirectory directory;
  std::string csv;
  for (int i = 0; i < 400; ++i)
    csv += (i == 100 ? std::string("nan") : std::to_string(i % 24)) + "\n";
  write_text(directory.file("load.csv"), csv);
  expect_one_line_error(
      run_cli("run --set stream.name=csv_workload --set stream.path=" + directory.file("load.csv") +
              " --set stream.column=0 --set stream.periods=2 --set stream.input_length=12 --out " +
              directory.file("out")),
      {"load.csv:101", "finite"});
}

TEST(Cli, SeriesTooShortForTheWindows) {
  TemporaryDirectory directory;
  std::string csv = "load\n";
  for (int i = 0; i < 30; ++i) csv += std::to_string(i) + "\n";
  write_text(directory.file("short.csv"), csv);
  expect_one_line_error(run_cli("run --set stream.name=csv_workload --set stream.path=" +
                                directory.file("short.csv") + " --set stream.column=load --out " +
                                directory.file("out")),
                        {"short", "30 points", "at least"});
}

TEST(Cli, OutputDirectoryNotWritable) {
  TemporaryDirectory directory;
  write_text(directory.file("a-file"), "not a directory");
  expect_one_line_error(
      run_cli("run --set train.epochs=1 --out " + directory.file("a-file") + "/run"),
      {directory.file("a-file")});
}

TEST(Cli, DroppedInputRowsReachTheSummaryAndTheTerminal) {
  TemporaryDirectory directory;
  std::string csv = "value\n";
  for (int i = 0; i < 400; ++i)  // four non-finite values, dropped by the reader's policy
    csv += (i % 100 == 7 ? std::string("nan") : std::to_string(50 + i % 24)) + "\n";
  write_text(directory.file("series.csv"), csv);
  auto result = run_cli(
      "run --set 'stream={name: csv_workload, path: " + directory.file("series.csv") +
      ", invalid_values: drop, periods: 2, input_length: 12, horizon: 2}' --set train.epochs=1 "
      "--set 'strategies=[naive]' --out " +
      directory.file("out"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("dropped 4 unreadable input rows"), std::string::npos)
      << result.output;
  auto summary = nlohmann::json::parse(testing::read_text(directory.file("out/summary.json")));
  EXPECT_EQ(summary["stream"]["dropped_points"], 4);
}

TEST(Cli, UnfitStrategyIsRefusedInOneLineBeforeTraining) {
  TemporaryDirectory directory;
  expect_one_line_error(run_cli("run --set 'strategies=[icarl]' --out " + directory.file("out")),
                        {"strategies[0]", "icarl", "class logits", "mlp"});
}

TEST(Cli, BadOptionValue) {
  TemporaryDirectory directory;
  expect_one_line_error(run_cli("run --set train.epochs=0 --out " + directory.file("out")),
                        {"train.epochs", ">= 1"});
  expect_one_line_error(run_cli("run --set train.batch_size=many --out " + directory.file("out")),
                        {"train.batch_size", "integer"});
}

TEST(Cli, StopAfterThenResumeMatchesUninterrupted) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  auto whole = run_cli("run " + directory.file("run.yaml") + " --out " + directory.file("whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  auto stopped = run_cli("run " + directory.file("run.yaml") + " --stop-after 2 --out " +
                         directory.file("parts"));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("--resume"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(directory.file("parts/summary.json")));
  expect_one_line_error(run_cli("run --resume " + directory.file("parts") + " --seed 3"),
                        {"--resume", "--seed"});
  auto resumed = run_cli("run --resume " + directory.file("parts"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed after 2 of 3"), std::string::npos) << resumed.output;
  auto whole_summary =
      nlohmann::json::parse(testing::read_text(directory.file("whole/summary.json")));
  auto resumed_summary =
      nlohmann::json::parse(testing::read_text(directory.file("parts/summary.json")));
  for (const char* key : {"matrix", "initial", "acc", "bwt", "fwt", "forgetting", "forgetting_last",
                          "metrics", "memory"})
    EXPECT_EQ(whole_summary[key].dump(), resumed_summary[key].dump()) << key;
  EXPECT_EQ(whole_summary["green"]["train_flops"], resumed_summary["green"]["train_flops"]);
}

// The golden file holds a tiny run's summary; any change of the numbers beyond the tolerance
// (an unintended change of behaviour) fails. Regenerate deliberately with
// `evergreen run tests/golden/tiny.yaml --out DIR` and copy DIR/summary.json's fields.
TEST(Cli, GoldenSummary) {
  TemporaryDirectory directory;
  std::string golden_dir = std::string(EVERGREEN_SOURCE_DIR) + "/tests/golden";
  auto result = run_cli("run " + golden_dir + "/tiny.yaml --out " + directory.file("out"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto summary = nlohmann::json::parse(testing::read_text(directory.file("out/summary.json")));
  auto golden = nlohmann::json::parse(testing::read_text(golden_dir + "/tiny_summary.json"));
  auto close = [](double a, double b) {
    return std::fabs(a - b) <= 1e-3 * std::max(1.0, std::fabs(b));
  };
  for (const char* key : {"acc", "bwt", "fwt", "forgetting"})
    EXPECT_TRUE(close(summary[key], golden[key]))
        << key << ": " << summary[key] << " vs " << golden[key];
  ASSERT_EQ(summary["matrix"].size(), golden["matrix"].size());
  for (size_t i = 0; i < golden["matrix"].size(); ++i)
    for (size_t j = 0; j < golden["matrix"][i].size(); ++j)
      EXPECT_TRUE(close(summary["matrix"][i][j], golden["matrix"][i][j])) << i << "," << j;
  EXPECT_EQ(summary["memory"], golden["memory"]);
  EXPECT_EQ(summary["green"]["train_flops"], golden["green"]["train_flops"]);
  EXPECT_EQ(summary["stream"], golden["stream"]);
}

// docs/options.md is the Markdown listing: an option added, renamed or re-documented in code
// and not in the page fails here (regenerate with `evergreen run --list --markdown`).
TEST(Cli, OptionsPageIsTheMarkdownListing) {
  auto result = run_cli("run --list --markdown");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto file = std::filesystem::path(EVERGREEN_SOURCE_DIR) / "docs/options.md";
  const std::string page = testing::read_text(file.string());
  EXPECT_EQ(result.output, page)
      << "docs/options.md is out of date: run `build/bin/evergreen run --list --markdown > "
         "docs/options.md`";
}

TEST(Cli, HelpDescribesTheOptions) {
  auto result = run_cli("run --help");
  EXPECT_EQ(result.exit_code, 0);
  for (const char* option : {"--set", "--out", "--seed", "--threads", "--resume", "--stop-after"})
    EXPECT_NE(result.output.find(option), std::string::npos) << option;
  auto listing = run_cli("run --list");
  EXPECT_EQ(listing.exit_code, 0) << listing.output;
  for (const char* name : {"naive", "joint", "er", "derpp", "agem", "ewc", "lwf", "dmshm", "gem",
                           "si", "icarl", "gdumb", "stack", "mlp", "lstm", "mlp_classifier",
                           "synthetic_workload", "csv_workload", "split_images"})
    EXPECT_NE(listing.output.find("\n  " + std::string(name) + " "), std::string::npos) << name;
  EXPECT_NE(listing.output.find("memory_size"), std::string::npos);
  // Which strategies fit which models, from their declared traits.
  EXPECT_NE(listing.output.find("fits models: mlp_classifier\n"), std::string::npos)
      << listing.output;
}

}  // namespace
}  // namespace evergreen
