// Two runs on one --out: the second is refused at once (exit 3, naming the first's pid) and the
// first completes with results of its own seed only; a run killed with SIGKILL leaves no lock.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "run/cli_error_lines.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::read_text;
using testing::run_cli;
using testing::TemporaryDirectory;
using testing::write_text;

// Long enough (some seconds) that a second run starts while the first holds the lock.
const char* kSlowConfig =
    "experiment: slow\nseed: 1\nstream: {name: synthetic_workload, days: 14, periods: 3, "
    "input_length: 24, horizon: 4}\nmodel: {name: mlp, hidden_size: 16}\nstrategies: [naive]\n"
    "train: {epochs: 300, batch_size: 16}\n";

/// Waits up to `seconds` for `done`; false on timeout.
template <typename Done>
bool wait_for(Done&& done, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// The pid written into OUT/.lock once a run holds it, or 0.
long lock_holder(const std::string& out) {
  if (!std::filesystem::exists(out + "/.lock")) return 0;
  std::string text = read_text(out + "/.lock");
  return text.empty() || text.back() != '\n' ? 0 : std::atol(text.c_str());
}

/// Starts `evergreen ARGUMENTS` in the background; its pid goes to `pid_file`, its exit code to
/// `rc_file` when it ends.
void start_in_background(const std::string& arguments, const std::string& log,
                         const std::string& rc_file) {
  std::string command = "(" + std::string(EVERGREEN_CLI) + " " + arguments + " > " + log +
                        " 2>&1; echo $? > " + rc_file + ".part && mv " + rc_file + ".part " +
                        rc_file + ") &";
  ASSERT_EQ(std::system(command.c_str()), 0);
}

TEST(DirectoryLockCli, ASecondRunOnTheSameOutIsRefusedAtOnce) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kSlowConfig);
  const std::string out = directory.file("out");
  start_in_background("run " + directory.file("run.yaml") + " --out " + out,
                      directory.file("first.log"), directory.file("first.rc"));
  ASSERT_TRUE(wait_for([&] { return lock_holder(out) > 0; }, 120)) << "the first run never locked";
  const long first_pid = lock_holder(out);

  auto start = std::chrono::steady_clock::now();
  auto second = run_cli("run " + directory.file("run.yaml") + " --seed 2 --out " + out);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(std::filesystem::exists(directory.file("first.rc")))
      << "the first run ended before the second was tried: make kSlowConfig slower";
  EXPECT_EQ(second.exit_code, 3) << second.output;
  auto lines = testing::error_lines(second.output);
  ASSERT_EQ(lines.size(), 1u) << second.output;
  EXPECT_EQ(lines[0], "evergreen: error: " + out + ": another evergreen run (pid " +
                          std::to_string(first_pid) + ") is writing here");
  EXPECT_LT(seconds, 30) << "refused, but not at once";

  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(directory.file("first.rc")); }, 600));
  EXPECT_EQ(read_text(directory.file("first.rc")), "0\n") << read_text(directory.file("first.log"));
  // Only the first run's seed is in the directory.
  auto summary = nlohmann::json::parse(read_text(out + "/summary.json"));
  EXPECT_EQ(summary["seed"], 1);
  EXPECT_NE(read_text(out + "/config.yaml").find("seed: 1\n"), std::string::npos);
  // 3 evaluations before training and 3 after each of the 3 experiences: one run's lines.
  const std::string metrics = read_text(out + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 12) << metrics;
}

TEST(DirectoryLockCli, AKilledRunLeavesNoLockBehind) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kSlowConfig);
  const std::string out = directory.file("out");
  start_in_background("run " + directory.file("run.yaml") + " --out " + out,
                      directory.file("killed.log"), directory.file("killed.rc"));
  ASSERT_TRUE(wait_for([&] { return lock_holder(out) > 0; }, 120));
  ASSERT_EQ(::kill(static_cast<pid_t>(lock_holder(out)), SIGKILL), 0);
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(directory.file("killed.rc")); }, 60));
  EXPECT_TRUE(std::filesystem::exists(out + "/.lock"));  // the file stays; nobody holds it
  auto again = run_cli("run " + directory.file("run.yaml") +
                       " --set train.epochs=1 --stop-after 1 --out " + out);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

}  // namespace
}  // namespace evergreen
