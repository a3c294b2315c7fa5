// Helpers shared by the tests: temporary directories, running the CLI, the shared data folder.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "evergreen/core/error.h"

namespace evergreen::testing {

/// A fresh empty directory under the system temporary directory, removed at destruction.
class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A test fixture with a temporary directory: write() puts a file there and returns its path.
class FileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& contents);
  TemporaryDirectory directory_;
};

/// Result of running the evergreen CLI.
struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `build/bin/evergreen <arguments>` through the shell.
CommandResult run_cli(const std::string& arguments);

/// `../shared/data` beside the source tree, or "" when absent (tests then GTEST_SKIP).
std::string shared_data_dir();

/// Writes `contents` to `file`.
void write_text(const std::string& file, const std::string& contents);
std::string read_text(const std::string& file);

/// The message of the InputError that `action` throws, or "no error".
template <typename Action>
std::string input_error_of(Action&& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace evergreen::testing
