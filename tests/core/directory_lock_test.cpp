#include "evergreen/core/directory_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen {
namespace {

// flock locks belong to an open file description, so a second lock taken in this very process
// conflicts as one from another process would (a sweep's threads rely on it).
TEST(DirectoryLock, ASecondHolderIsRefusedWithTheFirstsPid) {
  testing::TemporaryDirectory directory;
  std::optional<DirectoryLock> first(std::in_place, directory.path());
  try {
    DirectoryLock second(directory.path());
    FAIL() << "the second lock was granted";
  } catch (const EnvironmentError& error) {
    EXPECT_EQ(std::string(error.what()), directory.path() + ": another evergreen run (pid " +
                                             std::to_string(getpid()) + ") is writing here");
  }
  first.reset();
  DirectoryLock again(directory.path());  // released with its holder
}

TEST(DirectoryLock, ALeftoverLockFileDoesNotBlock) {
  testing::TemporaryDirectory directory;
  testing::write_text(DirectoryLock::lock_file(directory.path()), "12345\n");
  DirectoryLock lock(directory.path());
  EXPECT_EQ(testing::read_text(DirectoryLock::lock_file(directory.path())),
            std::to_string(getpid()) + "\n");
}

TEST(DirectoryLock, DifferentDirectoriesLockIndependently) {
  testing::TemporaryDirectory first, second;
  DirectoryLock a(first.path());
  DirectoryLock b(second.path());
}

TEST(DirectoryLock, AMissingDirectoryIsBadInput) {
  testing::TemporaryDirectory directory;
  std::string message =
      testing::input_error_of([&] { DirectoryLock lock(directory.file("missing")); });
  EXPECT_NE(message.find("missing/.lock: cannot lock the output directory: No such file"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace evergreen
