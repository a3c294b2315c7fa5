#include "evergreen/core/atomic_file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "evergreen/core/error.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::read_text;
using testing::TemporaryDirectory;
using testing::write_text;

/// Disarms the fault hook when a test ends, whatever it did.
struct FaultGuard {
  ~FaultGuard() { inject_file_write_fault(0, 0); }
};

/// The message of the EnvironmentError `action` throws, or "no error".
template <typename Action>
std::string environment_error_of(Action&& action) {
  try {
    action();
  } catch (const EnvironmentError& error) {
    return error.what();
  }
  return "no error";
}

// Every step of an atomic write (open, write, fsync, close, rename, directory open and fsync) may
// fail with ENOSPC: each becomes an EnvironmentError naming the file and the OS's reason, leaves no
// temporary file behind, and, until the rename, leaves the previous contents as they were.
TEST(AtomicFile, AFailureAtEveryStepIsAnEnvironmentErrorAndKeepsThePreviousFile) {
  FaultGuard guard;
  TemporaryDirectory directory;
  const std::string file = directory.file("summary.json");
  const std::string contents(100000, 'n');
  for (int64_t operation = 1; operation <= 7; ++operation) {
    SCOPED_TRACE("failing operation " + std::to_string(operation));
    write_text(file, "previous");
    inject_file_write_fault(operation, ENOSPC);
    std::string message = environment_error_of([&] { write_file_atomically(file, contents); });
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
    // Operations 6 and 7 flush the directory, after the rename: the new file is in place.
    EXPECT_EQ(read_text(file), operation < 6 ? "previous" : contents);
  }
  // Disarmed once it fired: the next write succeeds.
  write_file_atomically(file, "next");
  EXPECT_EQ(read_text(file), "next");
}

TEST(AtomicFile, EachErrnoIsClassedAsTheEnvironmentsOrTheInputs) {
  FaultGuard guard;
  TemporaryDirectory directory;
  const std::string file = directory.file("out.txt");
  for (int error : {EIO, EROFS, EACCES, EDQUOT}) {
    inject_file_write_fault(2, error);
    std::string message = environment_error_of([&] { write_file_atomically(file, "x"); });
    EXPECT_NE(message.find(std::strerror(error)), std::string::npos) << message;
  }
  // A folder that does not exist is the user's path, not the machine's refusal.
  std::string message = testing::input_error_of(
      [&] { write_file_atomically(directory.file("missing/out.txt"), "x"); });
  EXPECT_NE(message.find("missing/out.txt: cannot write: No such file or directory"),
            std::string::npos)
      << message;
}

TEST(AtomicFile, ACallbackWritersFailureRemovesItsTemporaryFile) {
  FaultGuard guard;
  TemporaryDirectory directory;
  const std::string file = directory.file("data.bin");
  write_text(file, "previous");
  EXPECT_THROW(write_atomically_with(file,
                                     [](const std::string& temporary) {
                                       write_text(temporary, "half");
                                       throw std::runtime_error("writer failed");
                                     }),
               std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
  EXPECT_EQ(read_text(file), "previous");
  // The flush of the callback's file is checked too (operations: open, fsync, ...).
  inject_file_write_fault(2, EIO);
  std::string message = environment_error_of([&] {
    write_atomically_with(file, [](const std::string& temporary) { write_text(temporary, "new"); });
  });
  EXPECT_NE(message.find("Input/output error"), std::string::npos) << message;
  EXPECT_EQ(read_text(file), "previous");
  write_atomically_with(file, [](const std::string& temporary) { write_text(temporary, "new"); });
  EXPECT_EQ(read_text(file), "new");
}

TEST(AtomicFile, AFileWhereTheOutputDirectoryShouldBeIsBadInput) {
  TemporaryDirectory directory;
  write_text(directory.file("taken"), "a file");
  std::string message =
      testing::input_error_of([&] { ensure_writable_directory(directory.file("taken")); });
  EXPECT_NE(message.find(directory.file("taken") + ": cannot create the output directory"),
            std::string::npos)
      << message;
  message =
      testing::input_error_of([&] { ensure_writable_directory(directory.file("taken/below")); });
  EXPECT_NE(message.find("taken/below: cannot create the output directory: Not a directory"),
            std::string::npos)
      << message;
  ensure_writable_directory(directory.file("new/nested"));
  EXPECT_TRUE(std::filesystem::is_directory(directory.file("new/nested")));
}

}  // namespace
}  // namespace evergreen
