// Command-line flags and config files that are bad in ways a parser alone would let through:
// each is refused with exit 2 and one line naming the flag, or the file, line and field.
#include <gtest/gtest.h>

#include <thread>

#include "evergreen/core/resource_bounds.h"
#include "run/cli_error_lines.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::expect_one_line_error;
using testing::run_cli;
using testing::TemporaryDirectory;
using testing::write_text;

TEST(CliInput, NegativeHugeOrNonNumericSeedsAreRefused) {
  for (std::string seed : {"-1", "-5", "99999999999999999999", "abc", "1.5", "''"})
    expect_one_line_error(run_cli("run --seed " + seed),
                          {"--seed", "expected a whole number in 0..9223372036854775807"});
}

TEST(CliInput, ThreadAndStopAfterCountsBelowTheirMinimumAreRefused) {
  expect_one_line_error(run_cli("run --threads 0"),
                        {"--threads 0: expected a whole number in 1.."});
  expect_one_line_error(run_cli("run --threads -3"), {"--threads -3: expected a whole number"});
  expect_one_line_error(run_cli("run --stop-after -2"),
                        {"--stop-after -2: expected a whole number in 0.."});
}

TEST(CliInput, ThreadsBeyondTheBoundAreRefusedUnlessForced) {
  const std::string too_many = std::to_string(max_threads() + 1);
  expect_one_line_error(
      run_cli("run --threads " + too_many),
      {"--threads " + too_many + ": " + too_many + " threads is more than", "--force-threads"});
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), "experiment: x\nthreads: 100000\n");
  expect_one_line_error(run_cli("run " + directory.file("run.yaml")),
                        {directory.file("run.yaml") + ":2:10: field 'threads': 100000 threads"});
  // Forced, a count beyond what any machine starts is still refused.
  expect_one_line_error(run_cli("run --threads 100000 --force-threads"),
                        {"more than 4096, the most allowed"});
}

TEST(CliInput, BenchJobsAreBoundedLikeThreads) {
  const std::string too_many = std::to_string(max_threads() + 1);
  for (std::string bench : {"classic", "tpp"}) {
    auto result = run_cli("bench " + bench + " --jobs " + too_many + " --smoke");
    expect_one_line_error(result, {"--jobs", too_many});
  }
}

TEST(CliInput, SetValuesAreReportedAsTheAssignment) {
  expect_one_line_error(run_cli("run --set green.pue=0.5"),
                        {"error: --set green.pue=0.5: ", "a number >= 1"});
  expect_one_line_error(run_cli("run --set green.pue=nan"),
                        {"error: --set green.pue=nan: cannot read 'nan' as the expected number"});
  expect_one_line_error(run_cli("run --set train.epocs=3"),
                        {"--set train.epocs=3: unknown option"});
}

TEST(CliInput, DuplicateKeysEmptyConfigsAndDirectoriesAreRefused) {
  TemporaryDirectory directory;
  write_text(directory.file("twice.yaml"), "experiment: x\ntrain: {epochs: 1, epochs: 2}\n");
  expect_one_line_error(run_cli("run " + directory.file("twice.yaml")),
                        {directory.file("twice.yaml") + ":2:", "key 'epochs' is given twice"});
  write_text(directory.file("empty.yaml"), "# nothing yet\n");
  expect_one_line_error(run_cli("run " + directory.file("empty.yaml")),
                        {"the config is empty", "configs/default.yaml"});
  expect_one_line_error(run_cli("run " + directory.path()),
                        {directory.path() + ": is a directory, expected a YAML config file"});
}

TEST(CliInput, ControlBytesAndHugeFieldsAreNotEchoedRaw) {
  TemporaryDirectory directory;
  std::string huge(1 << 20, 'x');
  write_text(directory.file("run.yaml"), "experiment: x\ntrain: {epochs: \"1\\r" + huge + "\"}\n");
  auto result = run_cli("run " + directory.file("run.yaml"));
  expect_one_line_error(result, {":2:", "train.epochs", "cannot read", "...'"});
  EXPECT_EQ(result.output.find('\r'), std::string::npos);
  EXPECT_LT(result.output.size(), 400u);
}

TEST(CliInput, TheListingNamesItsSectionsInPlural) {
  auto result = run_cli("run --list");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("\nstrategies:\n"), std::string::npos);
  EXPECT_EQ(result.output.find("strategys"), std::string::npos);
}

}  // namespace
}  // namespace evergreen
