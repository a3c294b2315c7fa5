// A disk that fills or turns read-only while a run writes: exit code 3 and one line naming the
// path and the OS's reason (no abort), the previous checkpoint byte for byte as it was, and a
// later --resume, with space again, ends bit-identical to an uninterrupted run.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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
    "train: {epochs: 2, batch_size: 16}\n";

/// Exit code 3 and exactly one error line: "evergreen: error: " + `message`.
void expect_environment_error(const testing::CommandResult& result, const std::string& message) {
  EXPECT_EQ(result.exit_code, 3) << result.output;
  auto lines = testing::error_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0], "evergreen: error: " + message);
}

/// The run in `parts` resumes to the end and matches the uninterrupted run of `config`.
void expect_resume_matches_uninterrupted(const std::string& config, const std::string& parts,
                                         const std::string& whole) {
  auto resumed = run_cli("run --resume " + parts);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto uninterrupted = run_cli("run " + config + " --out " + whole);
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.output;
  auto a = nlohmann::json::parse(read_text(parts + "/summary.json"));
  auto b = nlohmann::json::parse(read_text(whole + "/summary.json"));
  for (const char* key : {"matrix", "initial", "acc", "bwt", "fwt", "forgetting", "metrics"})
    EXPECT_EQ(a[key].dump(), b[key].dump()) << key;
}

// /dev/full fails every write with ENOSPC: a temporary checkpoint that leads there is a disk
// that is full exactly when the checkpoint is written.
TEST(DiskFullCli, ACheckpointOnAFullDiskExitsThreeAndKeepsThePreviousOne) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this machine";
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  const std::string parts = directory.file("parts");
  auto stopped = run_cli("run " + directory.file("run.yaml") + " --stop-after 1 --out " + parts);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  const std::string previous = read_text(parts + "/checkpoint.pt");
  std::filesystem::create_symlink("/dev/full", parts + "/checkpoint.pt.tmp");

  expect_environment_error(run_cli("run --resume " + parts),
                           parts + "/checkpoint.pt: cannot write: No space left on device");
  EXPECT_EQ(read_text(parts + "/checkpoint.pt"), previous);
  EXPECT_FALSE(std::filesystem::is_symlink(parts + "/checkpoint.pt.tmp"));
  expect_resume_matches_uninterrupted(directory.file("run.yaml"), parts, directory.file("whole"));
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted at destruction; mounted() is false
/// where this process may not mount (not root, in a container without CAP_SYS_ADMIN).
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    std::filesystem::create_directories(directory_.file("disk"));
    mounted_ = ::mount("tmpfs", path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  std::string path() const { return directory_.file("disk"); }
  /// Fills the disk until `left` bytes are free.
  void fill_until(uint64_t left) {
    struct statvfs status {};
    ASSERT_EQ(::statvfs(path().c_str(), &status), 0);
    uint64_t free = static_cast<uint64_t>(status.f_bavail) * status.f_frsize;
    ASSERT_GT(free, left);
    std::ofstream filler(path() + "/filler", std::ios::binary);
    filler << std::string(free - left, 'f');
  }
  void remount_read_only() {
    ASSERT_EQ(::mount("tmpfs", path().c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr), 0);
  }

 private:
  TemporaryDirectory directory_;
  bool mounted_ = false;
};

TEST(DiskFullCli, ATinyTmpfsThatFillsDuringARunExitsThree) {
  TemporaryDirectory directory;
  write_text(directory.file("run.yaml"), kTinyConfig);
  SmallDisk disk("1m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)";
  const std::string parts = disk.path() + "/parts";
  auto stopped = run_cli("run " + directory.file("run.yaml") + " --stop-after 1 --out " + parts);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  const std::string previous = read_text(parts + "/checkpoint.pt");
  // Room for config.yaml (rewritten on resume), not for a second checkpoint (~40 KiB).
  disk.fill_until(16 * 1024);

  expect_environment_error(run_cli("run --resume " + parts),
                           parts + "/checkpoint.pt: cannot write: No space left on device");
  EXPECT_EQ(read_text(parts + "/checkpoint.pt"), previous);
  EXPECT_FALSE(std::filesystem::exists(parts + "/checkpoint.pt.tmp"));
  std::filesystem::remove(disk.path() + "/filler");
  expect_resume_matches_uninterrupted(directory.file("run.yaml"), parts, directory.file("whole"));
}

TEST(DiskFullCli, AReadOnlyDiskExitsThreeNamingTheDirectory) {
  SmallDisk disk("1m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)";
  std::filesystem::create_directories(disk.path() + "/existing");
  disk.remount_read_only();
  expect_environment_error(
      run_cli("run --set train.epochs=1 --out " + disk.path() + "/new"),
      disk.path() + "/new: cannot create the output directory: Read-only file system");
  expect_environment_error(
      run_cli("run --set train.epochs=1 --out " + disk.path() + "/existing"),
      disk.path() + "/existing: cannot write into the output directory: Read-only file system");
}

}  // namespace
}  // namespace evergreen
