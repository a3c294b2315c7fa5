// `evergreen run --resume` continues the run that wrote the checkpoint and no other: another
// strategy's checkpoint, an edited config.yaml or changed data are refused in one line naming
// the difference; what may change (threads) is accepted.
#include <gtest/gtest.h>

#include <filesystem>

#include "run/cli_error_lines.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::read_text;
using testing::run_cli;
using testing::TemporaryDirectory;
using testing::write_text;

const char* kTinyConfig =
    "experiment: tiny\nseed: 1\nstream: {name: synthetic_workload, days: 14, periods: 3, "
    "input_length: 24, horizon: 4}\nmodel: {name: mlp, hidden_size: 16}\nstrategies: [er]\n"
    "train: {epochs: 2, batch_size: 16, learning_rate: 0.001}\n";

/// Runs `config` for one experience into `out`.
void stop_after_one(const std::string& config, const std::string& out,
                    const std::string& extra = "") {
  auto result = run_cli("run " + config + " --stop-after 1 --out " + out + " " + extra);
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

/// Exit code 2, exactly one error line, equal to "evergreen: error: " + `message`.
void expect_refusal(const testing::CommandResult& result, const std::string& message) {
  EXPECT_EQ(result.exit_code, 2) << result.output;
  auto lines = testing::error_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0], "evergreen: error: " + message);
}

TEST(RunIdentityCli, AnErCheckpointCopiedIntoANaiveRunIsRefused) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  stop_after_one(directory.file("run.yaml"), directory.file("er"));
  stop_after_one(directory.file("run.yaml"), directory.file("naive"), "--set 'strategies=[naive]'");
  std::filesystem::copy_file(directory.file("er/checkpoint.pt"),
                             directory.file("naive/checkpoint.pt"),
                             std::filesystem::copy_options::overwrite_existing);
  const std::string config = read_text(directory.file("naive/config.yaml"));
  expect_refusal(
      run_cli("run --resume " + directory.file("naive")),
      directory.file("naive/checkpoint.pt") + ": written by strategy 'er', this run is 'naive'");
  // Refused before anything was rewritten.
  EXPECT_EQ(read_text(directory.file("naive/config.yaml")), config);
  EXPECT_FALSE(std::filesystem::exists(directory.file("naive/summary.json")));
}

TEST(RunIdentityCli, AnEditedLearningRateIsRefused) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  stop_after_one(directory.file("run.yaml"), directory.file("out"));
  std::string config = read_text(directory.file("out/config.yaml"));
  const std::string from = "learning_rate: 0.001";
  ASSERT_NE(config.find(from), std::string::npos) << config;
  config.replace(config.find(from), from.size(), "learning_rate: 0.01");
  write_text(directory.file("out/config.yaml"), config);
  expect_refusal(run_cli("run --resume " + directory.file("out")),
                 directory.file("out/checkpoint.pt") +
                     ": config differs from the checkpoint's at train.learning_rate: 0.001 in "
                     "the checkpoint, 0.01 now");
  EXPECT_EQ(read_text(directory.file("out/config.yaml")), config);
}

TEST(RunIdentityCli, ChangedDataUnderAStoppedRunAreRefused) {
  TemporaryDirectory directory;
  auto series = [](int changed_row) {
    std::string csv = "load\n";
    for (int i = 0; i < 400; ++i) csv += std::to_string(i % 24 + (i == changed_row ? 1 : 0)) + "\n";
    return csv;
  };
  write_text(directory.file("load.csv"), series(-1));
  write_text(directory.file("run.yaml"),
             "stream: {name: csv_workload, path: " + directory.file("load.csv") +
                 ", column: load, periods: 2, input_length: 12, horizon: 2}\n"
                 "strategies: [naive]\ntrain: {epochs: 1}\n");
  stop_after_one(directory.file("run.yaml"), directory.file("out"));
  write_text(directory.file("load.csv"), series(350));  // one value of the second period
  auto result = run_cli("run --resume " + directory.file("out"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  auto lines = testing::error_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0].rfind("evergreen: error: " + directory.file("out/checkpoint.pt") +
                               ": the stream's data differ from those the checkpoint was "
                               "trained on",
                           0),
            0u)
      << lines[0];
  // With the data restored, the run continues.
  write_text(directory.file("load.csv"), series(-1));
  result = run_cli("run --resume " + directory.file("out"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(RunIdentityCli, ChangingThreadsIsAccepted) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  stop_after_one(directory.file("run.yaml"), directory.file("out"));
  auto result = run_cli("run --resume " + directory.file("out") + " --threads 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("resumed after 1 of 3"), std::string::npos) << result.output;
  EXPECT_TRUE(std::filesystem::exists(directory.file("out/summary.json")));
}

}  // namespace
}  // namespace evergreen
